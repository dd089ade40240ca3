//! Synthetic Chinese laws for alignment tests and the benchmark: deterministic, with distinct
//! articles of realistic length (about 150 characters) and numbered items in some of them.

/// Chinese numerals as laws print article numbers: 十, 十二, 二十, 一百零三, 一百一十.
pub fn chinese_numeral(n: u32) -> String {
    const DIGITS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    let digit = |d: u32| DIGITS[d as usize];
    let (hundreds, tens, ones) = (n / 100, n / 10 % 10, n % 10);
    let mut out = String::new();
    if hundreds > 0 {
        out.push_str(digit(hundreds));
        out.push('百');
    }
    match (hundreds > 0, tens, ones) {
        (_, 0, 0) | (false, 0, _) => {}
        (true, 0, _) => out.push('零'),
        (false, 1, _) => out.push('十'),
        (_, t, _) => {
            out.push_str(digit(t));
            out.push('十');
        }
    }
    if ones > 0 {
        out.push_str(digit(ones));
    }
    out
}

const SUBJECTS: [&str; 12] = [
    "国家网信部门",
    "县级以上地方人民政府",
    "网络服务提供者",
    "学校和幼儿园",
    "未成年人的父母或者其他监护人",
    "公安机关",
    "网络游戏服务提供者",
    "教育行政部门",
    "个人信息处理者",
    "民政部门",
    "智能终端产品制造者",
    "新闻出版部门",
];
const DUTIES: [&str; 12] = [
    "应当建立健全未成年人网络保护工作机制，明确工作职责，落实工作措施",
    "应当采取措施预防和制止未成年人沉迷网络",
    "应当依法履行个人信息保护义务，不得向他人提供未成年人的个人信息",
    "应当在显著位置设置便捷的投诉和举报渠道",
    "应当对从业人员进行培训，提高其识别和处置违法信息的能力",
    "应当定期开展风险评估，并向有关主管部门报送评估报告",
    "应当为未成年人提供适合其年龄特点的内容和服务",
    "应当依法保存网络日志不少于六个月，并配合有关部门调查",
    "应当制定专门的个人信息处理规则，并以显著方式告知用户",
    "应当加强宣传教育，提高未成年人的网络素养和安全意识",
    "应当建立未成年人模式，在使用时段、时长、功能和内容等方面按照国家有关规定提供相应的服务",
    "应当对违法行为依法予以处理，并将处理结果及时告知举报人",
];
const CLOSINGS: [&str; 6] = [
    "具体办法由国务院有关部门制定。",
    "有关部门应当加强监督检查，发现问题及时督促整改。",
    "违反前款规定的，由有关主管部门责令改正，给予警告。",
    "鼓励社会组织和个人依法参与相关工作。",
    "前款所称有关部门，包括网信、教育、公安、文化和旅游等部门。",
    "相关标准由国家标准化管理部门会同有关部门制定。",
];

const CHAPTERS: [&str; 12] = [
    "总则",
    "家庭保护",
    "学校保护",
    "社会保护",
    "网络保护",
    "政府保护",
    "司法保护",
    "法律责任",
    "监督管理",
    "数据安全",
    "标准制定",
    "附则",
];

/// The body (without the "第N条 " prefix) of synthetic article `seed`: distinct for every seed.
pub fn article_body(seed: u32) -> String {
    let pick =
        |list: &[&'static str], salt: u32| list[((seed.wrapping_mul(2_654_435_761) >> salt) as usize) % list.len()];
    format!(
        "为了落实第{}项工作要求，{}{}；{}{}。{}{}",
        chinese_numeral(seed % 300 + 1),
        pick(&SUBJECTS, 3),
        pick(&DUTIES, 7),
        pick(&SUBJECTS, 11),
        pick(&DUTIES, 13),
        pick(&CLOSINGS, 17),
        pick(&CLOSINGS, 23),
    )
}

/// Items for every seventh article: (一) to (三).
pub fn article_items(seed: u32) -> Vec<String> {
    if seed % 7 != 3 {
        return Vec::new();
    }
    ["（一）", "（二）", "（三）"]
        .iter()
        .enumerate()
        .map(|(k, label)| format!("{label}{}；", &DUTIES[(seed as usize + k) % DUTIES.len()][6..]))
        .collect()
}

/// Block text of a law whose articles have the given body seeds, numbered 1.. in order, with a
/// title, a preamble line and a chapter heading before seeds 1, 26, 51, …
pub fn law(seeds: &[u32]) -> Vec<String> {
    let mut lines = vec!["某某保护条例".to_owned(), "（2024年1月1日某某会议通过）".to_owned()];
    let mut chapters = 0;
    for (k, &seed) in seeds.iter().enumerate() {
        let number = u32::try_from(k + 1).unwrap_or(u32::MAX);
        // Chapters go with their articles' text, not their position: inserting an article
        // does not move a chapter boundary.
        if seed % 25 == 1 {
            chapters += 1;
            lines.push(format!("第{}章 {}", chinese_numeral(chapters), CHAPTERS[chapters as usize % CHAPTERS.len()]));
        }
        lines.push(format!("第{}条 {}", chinese_numeral(number), article_body(seed)));
        lines.extend(article_items(seed));
    }
    lines
}
