//! Draft→final families: the normalised title key that a draft and its final share, a cheap body
//! similarity, and the rule combining them. Pure; the store decides which documents to compare
//! and records the link. It does not diff the pair (`diff`) nor tell stages apart (`stage`).
//!
//! Thresholds, measured as character-trigram containment on the real texts in
//! `tests/fixtures/family/`: the same regulation from two sources scores 1.00; one instrument
//! across a heavy rewrite scores 0.24 (Beijing minors regulations, 77→68 articles) to 0.46
//! (Shanghai, 56→87 articles), 0.31 for a 1999→2023 rewrite; different instruments on the same
//! subject score up to 0.48 (national minors law vs a municipal one) and unrelated statutes
//! 0.05–0.27. Body similarity alone cannot link; the title key does, and the body only guards
//! it: `SAME_KEY_MIN` rejects a key collision between unrelated bodies, `NEAR_KEY_MIN` (above
//! every different-instrument pair) lets a slightly renamed final through.

use std::sync::LazyLock;

use jiff::civil::Date;
use regex::{Regex, RegexBuilder};

/// Body containment needed when the title keys are equal.
const SAME_KEY_MIN: f64 = 0.2;
/// Body containment needed when the title keys are only close.
const NEAR_KEY_MIN: f64 = 0.5;
/// Title-key bigram Dice similarity that counts as close.
const NEAR_KEY_DICE: f64 = 0.8;
/// Below this many distinct trigrams (a short paragraph) a body neither confirms nor refutes.
const MIN_SHINGLES: usize = 150;

/// The token every instrument word maps to, so 规定/办法 and Provisions/Measures agree.
const INSTRUMENT_TOKEN: char = '§';

/// One side of a possible draft→final link, prepared once: the title key and body trigrams.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FamilyCandidate {
    key: String,
    shingles: Vec<u64>,
    published: Option<Date>,
}

impl FamilyCandidate {
    pub fn new(title: &str, body: &str, published: Option<Date>) -> Self {
        Self { key: family_key(title), shingles: shingles(body), published }
    }

    /// The normalised title key (`family_key`).
    pub fn key(&self) -> &str {
        &self.key
    }
}

/// Whether `final_` is the final text of `draft`: equal title keys with bodies that are not
/// unrelated, or close keys with clearly shared bodies; never a final published before its draft.
pub fn is_final_of(draft: &FamilyCandidate, final_: &FamilyCandidate) -> bool {
    if draft.key.is_empty() || final_.key.is_empty() {
        return false;
    }
    if let (Some(d), Some(f)) = (draft.published, final_.published)
        && f < d
    {
        return false;
    }
    let judgeable = draft.shingles.len().min(final_.shingles.len()) >= MIN_SHINGLES;
    let body = containment(&draft.shingles, &final_.shingles);
    if draft.key == final_.key {
        return !judgeable || body >= SAME_KEY_MIN;
    }
    judgeable && key_similarity(&draft.key, &final_.key) >= NEAR_KEY_DICE && body >= NEAR_KEY_MIN
}

/// Share of the smaller text's character trigrams found in the other (0.0–1.0), on letters and
/// digits only, so layout, punctuation and zero-width noise do not count. Works alike for
/// Chinese and English; containment rather than Jaccard so a notice wrapped around a draft, or a
/// page footer, does not dilute it.
pub fn body_similarity(a: &str, b: &str) -> f64 {
    containment(&shingles(a), &shingles(b))
}

/// Character trigrams of the lowercased letters and digits, packed exactly into a `u64`
/// (three 21-bit code points), sorted and deduplicated.
fn shingles(text: &str) -> Vec<u64> {
    let chars: Vec<u64> =
        text.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).map(u64::from).collect();
    let mut grams: Vec<u64> = chars.windows(3).map(|w| w.iter().fold(0, |acc, &c| (acc << 21) | c)).collect();
    grams.sort_unstable();
    grams.dedup();
    grams
}

#[expect(clippy::cast_precision_loss, reason = "set sizes are far below 2^52")]
fn containment(a: &[u64], b: &[u64]) -> f64 {
    let smaller = a.len().min(b.len());
    if smaller == 0 {
        return 0.0;
    }
    crate::diff::words::shared_count(a, b) as f64 / smaller as f64
}

/// Dice coefficient of the keys' character bigrams.
#[expect(clippy::cast_precision_loss, reason = "title lengths are tiny")]
fn key_similarity(a: &str, b: &str) -> f64 {
    let bigrams = |s: &str| {
        let chars: Vec<char> = s.chars().collect();
        let mut grams: Vec<(char, char)> = chars.windows(2).filter_map(|w| Some((*w.first()?, *w.get(1)?))).collect();
        grams.sort_unstable();
        grams
    };
    let (x, y) = (bigrams(a), bigrams(b));
    if x.is_empty() || y.is_empty() {
        return if a == b { 1.0 } else { 0.0 };
    }
    let mut rest = y.clone();
    let shared = x.iter().filter(|g| rest.iter().position(|r| r == *g).map(|i| rest.swap_remove(i)).is_some()).count();
    2.0 * shared as f64 / (x.len() + y.len()) as f64
}

static ZH_BOILERPLATE: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    compile(&[
        r"^.*?关于",
        r"^(?:印发|发布|公布|转发|公开征求|征求)",
        r"(?:公开)?(?:征求意见|征集意见|意见征集)?的?(?:通知|公告|通告|函)$",
        r"(?:公开)?征求意见$",
    ])
});

static EN_BOILERPLATE: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    compile(&[
        r"^.*?\b(?:notice|circular|announcement)\b.*?\b(?:(?:public\s+)?consultation|(?:solicit|seek|request|invit)\w*\s+(?:public\s+)?(?:comments?|opinions?|views|input)|issu(?:ance|ing)|publication|printing and distribution|release)\s+(?:on|of|for|regarding|concerning|about)\s+",
        r"^(?:comments?|opinions?|views)\s+(?:sought|invited|requested|solicited)\s+(?:on|for)\s+",
    ])
});

static MARKERS: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    compile(&[
        r"[(（\[【][^()（）\[\]【】]*?(?:稿|草案|试行|暂行|修订|修正)[^()（）\[\]【】]*?[)）\]】]",
        r"(?:修订|修正)?草案(?:第?[一二三四五六七八九十]+次)?(?:审议稿|修改稿)?|(?:第?[一二三四五六七八九十]+次)?审议稿|[一二三]审稿|征求意见稿|送审稿|试行|暂行",
        r"\([^()]*?\b(?:draft|comments?|opinions?|trial|consultation|revision|amendment|revised|exposure|interim|provisional)\b[^()]*?\)",
        r"\b(?:draft(?:\s+for\s+(?:public\s+)?(?:comments?|opinions?|soliciting\s+opinions)|\s+revision|\s+amendment)?|interim|provisional|tentative|for\s+trial\s+implementation)\b",
    ])
});

static NOISE: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    compile(&[
        r"\d{4}\s*年(?:\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?)?|\d{4}[-/.]\d{1,2}(?:[-/.]\d{1,2})?",
        r"\b(?:19|20)\d{2}\b",
        r"中华人民共和国|\bof the people['’]s republic of china\b|\bpeople['’]s republic of china\b|\bprc\b",
        r"\b(?:the|of|for|on|a|an|and|concerning|regarding|in|to)\b",
    ])
});

static INSTRUMENT: LazyLock<Regex> =
    LazyLock::new(|| regex("规定|办法|条例|细则|规则|\\b(?:provisions?|measures?|regulations?|rules?)\\b"));

/// The title reduced to what a draft and its final share: the name inside 《》 when there is one,
/// without notice boilerplate, stage and round markers, dates, punctuation or spaces, lowercased,
/// with 规定/办法/条例/细则/规则 and Provisions/Measures/Regulations/Rules as one token.
pub fn family_key(title: &str) -> String {
    let mut text = halfwidth(title);
    if let Some(inner) = quoted_name(&text) {
        text = inner.to_owned();
    }
    for rule in EN_BOILERPLATE.iter().chain(ZH_BOILERPLATE.iter()).chain(MARKERS.iter()).chain(NOISE.iter()) {
        text = rule.replace_all(&text, " ").into_owned();
    }
    let text = INSTRUMENT.replace_all(&text, INSTRUMENT_TOKEN.to_string().as_str());
    text.chars().filter(|c| c.is_alphanumeric() || *c == INSTRUMENT_TOKEN).flat_map(char::to_lowercase).collect()
}

/// The first name in 《…》.
fn quoted_name(title: &str) -> Option<&str> {
    let start = title.find('《')? + '《'.len_utf8();
    let len = title.get(start..)?.find('》')?;
    title.get(start..start + len).filter(|inner| !inner.trim().is_empty())
}

/// Full-width ASCII letters, digits and brackets to their ASCII forms.
fn halfwidth(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        })
        .collect()
}

fn compile(patterns: &[&str]) -> Vec<Regex> {
    patterns.iter().map(|p| regex(p)).collect()
}

fn regex(pattern: &str) -> Regex {
    #[expect(clippy::expect_used, reason = "constant patterns, exercised by the unit tests")]
    RegexBuilder::new(&super::keyword::ascii_boundaries(pattern))
        .case_insensitive(true)
        .build()
        .expect("family regex compiles")
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;
    use rstest::rstest;

    use super::*;

    #[rstest]
    #[case::trial_draft_to_measures(
        "人脸识别技术应用安全管理规定（试行）（征求意见稿）",
        "人脸识别技术应用安全管理办法"
    )]
    #[case::interim("生成式人工智能服务管理办法（征求意见稿）", "生成式人工智能服务管理暂行办法")]
    #[case::notice_boilerplate(
        "国家互联网信息办公室关于《个人信息出境标准合同办法（征求意见稿）》公开征求意见的通知",
        "个人信息出境标准合同办法"
    )]
    #[case::notice_without_quotes("关于网络数据安全管理条例（征求意见稿）公开征求意见的通知", "网络数据安全管理条例")]
    #[case::revision_draft("中华人民共和国保守国家秘密法（修订草案）", "中华人民共和国保守国家秘密法")]
    #[case::second_reading("中华人民共和国网络数据法（草案二次审议稿）", "网络数据法")]
    #[case::submitted_draft("数据出境管理条例（送审稿）", "数据出境管理规定")]
    #[case::fullwidth_and_spaces("ＡＩ 生成 内容 标识办法 （征求意见稿）", "AI生成内容标识办法")]
    #[case::dated("2023年网络安全工作要点（征求意见稿）", "网络安全工作要点")]
    #[case::english_draft_for_comment(
        "Measures on Labelling AI-Generated Content (Draft for Comment)",
        "Measures on Labelling AI-Generated Content"
    )]
    #[case::english_interim(
        "Measures for the Management of Generative AI Services (Draft for Comment)",
        "Interim Measures for the Management of Generative AI Services"
    )]
    #[case::english_instrument_words(
        "Provisions on Minors' Online Protection (Draft)",
        "Regulations on Minors’ Online Protection"
    )]
    #[case::english_notice(
        "Notice on Soliciting Public Comments on the Rules for Data Labelling (Draft)",
        "Rules for Data Labelling"
    )]
    #[case::english_comments_sought(
        "Comments Sought on the Law on Guarding State Secrets (Draft Revision)",
        "Law on Guarding State Secrets"
    )]
    #[case::english_trial(
        "Measures for Science and Technology Ethics Reviews (for Trial Implementation)",
        "Measures for Science and Technology Ethics Reviews"
    )]
    fn draft_and_final_share_a_key(#[case] draft: &str, #[case] final_: &str) {
        let key = family_key(draft);
        assert!(!key.is_empty());
        assert_eq!(key, family_key(final_));
    }

    #[rstest]
    #[case::other_city("北京市未成年人保护条例", "上海市未成年人保护条例")]
    #[case::other_law("中华人民共和国网络安全法", "中华人民共和国数据安全法")]
    #[case::other_measures(
        "Measures on Data Export Security Assessment",
        "Measures on Personal Information Export Standard Contracts"
    )]
    fn different_instruments_differ(#[case] a: &str, #[case] b: &str) {
        assert_ne!(family_key(a), family_key(b));
    }

    #[test]
    fn key_drops_punctuation_and_case() {
        assert_eq!(family_key("Measures on X-Ray Devices"), "§xraydevices");
        assert_eq!(family_key("《》"), "");
    }

    #[rstest]
    #[case::identical(
        "第一条 为了规范数据处理活动，保障数据安全。",
        "第一条 为了规范数据处理活动，保障数据安全。",
        1.0
    )]
    #[case::layout_noise("第一条 为了规范\u{200B}数据处理活动；", "第一条为了规范数据处理活动;", 1.0)]
    #[case::empty("", "anything at all", 0.0)]
    fn similarity(#[case] a: &str, #[case] b: &str, #[case] expected: f64) {
        assert!((body_similarity(a, b) - expected).abs() < 1e-9);
    }

    #[test]
    fn similarity_is_containment_of_the_smaller_text() {
        let law = "第一条 为了规范网络数据处理活动，保障网络数据安全，促进网络数据依法合理有效利用，制定本条例。";
        let notice = format!("现将《条例》公布如下。{law}附件：联系方式与反馈渠道说明");
        assert!(body_similarity(law, &notice) > 0.95);
        assert!(
            body_similarity("Minors may not top up game accounts.", "Banks must report suspicious payments.") < 0.2
        );
    }

    fn body(sentences: usize, topic: &str) -> String {
        let sentences: Vec<String> = (0..sentences)
            .map(|i| format!("第{i}条 {topic}的处理者应当履行第{i}项义务，并向主管部门报告第{i}类情况。"))
            .collect();
        sentences.concat()
    }

    #[test]
    fn links_same_key_with_related_body() {
        let draft =
            FamilyCandidate::new("网络数据安全管理条例（征求意见稿）", &body(40, "网络数据"), Some(date(2021, 11, 14)));
        let final_ = FamilyCandidate::new("网络数据安全管理条例", &body(50, "网络数据"), Some(date(2024, 9, 30)));
        assert!(is_final_of(&draft, &final_));
        assert_eq!(draft.key(), final_.key());
    }

    #[test]
    fn refuses_final_published_before_draft() {
        let draft = FamilyCandidate::new("网络安全法（修正草案）", &body(40, "网络安全"), Some(date(2025, 3, 1)));
        let old = FamilyCandidate::new("中华人民共和国网络安全法", &body(40, "网络安全"), Some(date(2016, 11, 7)));
        assert!(!is_final_of(&draft, &old));
    }

    /// A varied text over a small vocabulary: texts over disjoint vocabularies share nothing.
    fn varied(words: [&str; 10]) -> String {
        (0..100)
            .filter_map(|i| {
                Some(format!("{}{}{}。", words.get(i % 10)?, words.get(i / 10)?, words.get((i * 7 + 3) % 10)?))
            })
            .collect()
    }

    const GAMES: [&str; 10] = ["未成年人", "游戏", "防沉迷", "监护人", "学校", "家庭", "网络", "保护", "时长", "充值"];
    const BANKS: [&str; 10] = ["银行", "支付", "账户", "清算", "跨境", "结算", "反洗钱", "机构", "资金", "备付金"];

    #[test]
    fn refuses_same_key_with_unrelated_body() {
        let draft = FamilyCandidate::new("管理办法（征求意见稿）", &varied(GAMES), None);
        let final_ = FamilyCandidate::new("管理办法", &varied(BANKS), None);
        assert!(!is_final_of(&draft, &final_));
        assert!(is_final_of(&draft, &FamilyCandidate::new("管理办法", &varied(GAMES), None)));
    }

    #[test]
    fn short_bodies_leave_the_decision_to_the_key() {
        let draft = FamilyCandidate::new("数据标注规则（征求意见稿）", "附件下载", None);
        let final_ = FamilyCandidate::new("数据标注规则", "全文见附件", None);
        assert!(is_final_of(&draft, &final_));
    }

    #[test]
    fn near_key_needs_clearly_shared_body() {
        let text = body(60, "汽车数据");
        let draft = FamilyCandidate::new("汽车数据安全管理若干规定（征求意见稿）", &text, None);
        let renamed = FamilyCandidate::new("汽车数据安全管理若干规定补充", &text, None);
        let unrelated = FamilyCandidate::new("汽车数据安全管理若干规定补充", &varied(BANKS), None);
        assert_ne!(draft.key(), renamed.key());
        assert!(is_final_of(&draft, &renamed));
        assert!(!is_final_of(&draft, &unrelated));
    }

    #[test]
    fn empty_key_never_links() {
        let a = FamilyCandidate::new("关于公开征求意见的通知", "正文", None);
        assert_eq!(a.key(), "");
        assert!(!is_final_of(&a, &a.clone()));
    }
}
