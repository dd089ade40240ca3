//! Splits block text into the units of a legal instrument: the preamble (title, history,
//! notice text before the first article), chapter and section headings (第三章, Chapter III,
//! 第一节, Section 1), articles (第十二条, 第一百零三条, 第十二条之一, Article 12, Art. 12) and
//! the numbered items inside articles (（三）, (3), 3.).
//!
//! Only a line's *start* can open a unit (after blanks and Markdown bold/heading markers), and
//! only when what follows the number reads like the start of a text, not like a cross-reference
//! ("第十二条规定的…", "Article 12 of this Law…"). A text without articles is one unit: its
//! preamble. It does not compare anything: `legal` does.

use std::fmt;
use std::ops::Range;

use super::{HeadingLevel, Text, comparable};

/// An article, chapter or section number: `main` with an optional `sub` (第十二条之一 is 12-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub(crate) struct Num {
    pub(crate) main: u32,
    pub(crate) sub: u32,
}

impl fmt::Display for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.sub {
            0 => write!(f, "{}", self.main),
            sub => write!(f, "{}-{sub}", self.main),
        }
    }
}

/// What a line opens, if anything. `rest` is the byte offset where the text after the number
/// starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Marker {
    Chapter { num: Num, rest: usize },
    Section { num: Num, rest: usize },
    Article { num: Num, rest: usize },
}

impl Marker {
    pub(crate) fn rest(self) -> usize {
        match self {
            Marker::Chapter { rest, .. } | Marker::Section { rest, .. } | Marker::Article { rest, .. } => rest,
        }
    }

    /// What stands for the number in a line's comparison key (control characters never occur
    /// in block text, so the tag cannot collide with real text).
    pub(crate) fn tag(self) -> &'static str {
        match self {
            Marker::Chapter { .. } => "\u{1}chapter\u{1}",
            Marker::Section { .. } => "\u{1}section\u{1}",
            Marker::Article { .. } => "\u{1}article\u{1}",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Segmented {
    /// Comparison key of everything before the first heading or article that opens the body.
    pub(crate) preamble: String,
    pub(crate) headings: Vec<Heading>,
    pub(crate) articles: Vec<Article>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Heading {
    pub(crate) level: HeadingLevel,
    pub(crate) num: Num,
    /// The enclosing chapter's number, for a section (sections restart in each chapter).
    pub(crate) chapter: Option<Num>,
    pub(crate) title: String,
    pub(crate) key: String,
}

impl Heading {
    /// "5" for chapter 5, "2.1" for section 1 of chapter 2.
    pub(crate) fn label(&self) -> String {
        match self.chapter {
            Some(chapter) => format!("{chapter}.{}", self.num),
            None => self.num.to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Article {
    pub(crate) num: Num,
    /// The article as printed, number prefix stripped, lines joined by '\n': what inline diffs show.
    pub(crate) body: String,
    /// The comparison key of `body`.
    pub(crate) key: String,
    pub(crate) items: Vec<Item>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Item {
    pub(crate) label: String,
    /// Comparison key of the item's text without its label.
    pub(crate) key: String,
}

/// Splits a text into preamble, headings and articles.
pub(crate) fn segment(text: &Text<'_>) -> Segmented {
    let markers: Vec<(usize, Marker)> =
        text.markers.iter().enumerate().filter_map(|(i, m)| m.map(|m| (i, m))).collect();
    let Some(first_article) = markers.iter().position(|(_, m)| matches!(m, Marker::Article { .. })) else {
        return Segmented { preamble: preamble(text, text.lines.len()), headings: Vec::new(), articles: Vec::new() };
    };
    let body = markers.get(opening(markers.get(..first_article).unwrap_or_default())..).unwrap_or_default();
    let body_start = body.first().map_or(text.lines.len(), |(i, _)| *i);
    let preamble = preamble(text, body_start);
    let mut segmented = Segmented { preamble, headings: Vec::new(), articles: Vec::new() };
    let mut chapter = None;
    for (k, &(start, m)) in body.iter().enumerate() {
        let end = body.get(k + 1).map_or(text.lines.len(), |(i, _)| *i);
        let lines = start..end;
        match m {
            Marker::Chapter { num, .. } => {
                chapter = Some(num);
                segmented.headings.push(heading(text, lines, HeadingLevel::Chapter, num, None));
            }
            Marker::Section { num, .. } => {
                segmented.headings.push(heading(text, lines, HeadingLevel::Section, num, chapter));
            }
            Marker::Article { num, rest } => segmented.articles.push(article(text, lines, num, rest)),
        }
    }
    segmented
}

/// The key of the first `end` lines. It keeps the numbers that line keys leave out: a table of
/// contents is compared as printed.
fn preamble(text: &Text<'_>, end: usize) -> String {
    let keys = text.keys.iter().zip(&text.lines).zip(&text.markers).take(end);
    let keys = keys.map(|((key, line), marker)| if marker.is_some() { comparable(line) } else { key.clone() });
    keys.collect::<Vec<_>>().join("\n")
}

/// Where the body starts among the headings before the first article: a chapter and/or a
/// section right before it open the body; any headings earlier are a table of contents.
fn opening(before: &[(usize, Marker)]) -> usize {
    let mut start = before.len();
    if let Some((_, Marker::Section { .. })) = before.get(start.wrapping_sub(1)) {
        start -= 1;
    }
    if let Some((_, Marker::Chapter { .. })) = before.get(start.wrapping_sub(1)) {
        start -= 1;
    }
    start
}

fn heading(text: &Text<'_>, lines: Range<usize>, level: HeadingLevel, num: Num, chapter: Option<Num>) -> Heading {
    let title = text.content_key(lines.start).to_owned();
    let mut key = title.clone();
    for extra in text.keys.get(lines.start + 1..lines.end).unwrap_or_default() {
        key.push('\n');
        key.push_str(extra);
    }
    Heading { level, num, chapter, title, key }
}

fn article(text: &Text<'_>, lines: Range<usize>, num: Num, rest: usize) -> Article {
    let first = text.lines.get(lines.start).copied().unwrap_or_default();
    let opening = first.get(rest..).unwrap_or_default().trim_start_matches(|c: char| c.is_whitespace() || c == '*');
    let mut body = opening.to_owned();
    let mut key = text.content_key(lines.start).to_owned();
    let mut items: Vec<Item> = Vec::new();
    let following = lines.start + 1..lines.end;
    let raws = text.lines.get(following.clone()).unwrap_or_default();
    for (raw, line_key) in raws.iter().zip(text.keys.get(following).unwrap_or_default()) {
        body.push('\n');
        body.push_str(raw);
        key.push('\n');
        key.push_str(line_key);
        // The label as printed, the item's key from the line's key (labels fold the same way).
        if let (Some((label, _)), Some((_, rest))) = (item_label(raw), item_label(line_key)) {
            items.push(Item { label: label.to_owned(), key: rest.trim_start().to_owned() });
        } else if let Some(item) = items.last_mut() {
            item.key.push('\n');
            item.key.push_str(line_key);
        }
    }
    Article { num, body, key, items }
}

/// Blanks and the Markdown markers a scraped heading may keep (`**第一条**`, `## 第一章`).
fn strip_lead(line: &str) -> &str {
    line.trim_start_matches(|c: char| c.is_whitespace() || matches!(c, '*' | '#' | '_'))
}

/// What `line` opens: a chapter, a section or an article, in Chinese or English form.
pub(crate) fn marker(line: &str) -> Option<Marker> {
    let body = strip_lead(line);
    let offset = line.len() - body.len();
    let (unit, num, rest) = chinese_marker(body).or_else(|| english_marker(body))?;
    let rest = offset + body.len() - rest.len();
    match unit {
        Unit::Chapter if is_heading_title(line.get(rest..)?) => Some(Marker::Chapter { num, rest }),
        Unit::Section if is_heading_title(line.get(rest..)?) => Some(Marker::Section { num, rest }),
        Unit::Article => Some(Marker::Article { num, rest }),
        Unit::Chapter | Unit::Section => None,
    }
}

#[derive(Debug, Clone, Copy)]
enum Unit {
    Chapter,
    Section,
    Article,
}

/// A heading is short and is not a sentence.
fn is_heading_title(title: &str) -> bool {
    let title = title.trim();
    title.chars().count() <= 40 && !title.ends_with(['。', '；', ';', '，', ','])
}

/// Words that, right after "第十二条", make it a cross-reference rather than an article's start.
const CROSS_REFERENCE: [&str; 15] =
    ["规定", "的", "所", "之", "中", "和", "与", "及", "或", "至", "到", "第", "款", "项", "条"];

fn chinese_marker(s: &str) -> Option<(Unit, Num, &str)> {
    let (main, s) = numeral(s.strip_prefix('第')?)?;
    let mut chars = s.chars();
    let unit = match chars.next()? {
        '条' => Unit::Article,
        '章' => Unit::Chapter,
        '节' => Unit::Section,
        _ => return None,
    };
    let mut rest = chars.as_str();
    let mut sub = 0;
    // 第十二条之一 is an article inserted after 12; 第十二条之规定 is a cross-reference.
    if let (Unit::Article, Some((n, after))) = (unit, rest.strip_prefix('之').and_then(numeral)) {
        sub = n;
        rest = after;
    }
    let next = rest.trim_start_matches('*');
    let opens = match next.chars().next() {
        None => true,
        Some(c) if c.is_whitespace() || matches!(c, ':' | '：' | '.' | '．') => true,
        Some(c) => super::is_cjk(c) && c.is_alphabetic() && !CROSS_REFERENCE.iter().any(|w| next.starts_with(w)),
    };
    opens.then_some((unit, Num { main, sub }, rest))
}

fn english_marker(s: &str) -> Option<(Unit, Num, &str)> {
    let (unit, after) = [
        ("Chapter", Unit::Chapter),
        ("CHAPTER", Unit::Chapter),
        ("Section", Unit::Section),
        ("SECTION", Unit::Section),
        ("Article", Unit::Article),
        ("ARTICLE", Unit::Article),
        ("Art.", Unit::Article),
    ]
    .into_iter()
    .find_map(|(word, unit)| s.strip_prefix(word).map(|after| (unit, after)))?;
    let spaced = after.trim_start();
    if spaced.len() == after.len() && !matches!(unit, Unit::Article) {
        return None;
    }
    let (main, rest) = arabic(spaced).or_else(|| roman(spaced)).or_else(|| english_word_number(spaced))?;
    let opens = match rest.chars().next() {
        None | Some('.' | ':' | ')' | '–' | '—' | '-') => true,
        // "Article 12 The State…" opens an article; "Article 12 of this Law…" refers to one.
        Some(c) if c.is_whitespace() => !rest.trim_start().starts_with(|n: char| n.is_lowercase()),
        Some(_) => false,
    };
    opens.then_some((unit, Num { main, sub: 0 }, rest))
}

/// An item label at the start of an article's line: （三）, (3), (a), 3., 3、, 三、.
pub(crate) fn item_label(line: &str) -> Option<(&str, &str)> {
    let s = strip_lead(line);
    let label_len = if let Some(inner) = s.strip_prefix(['(', '（']) {
        let close = inner.find([')', '）'])?;
        let number = inner.get(..close)?;
        let valid = numeral(number).is_some_and(|(_, r)| r.is_empty())
            || (number.len() == 1 && number.chars().all(|c| c.is_ascii_lowercase()));
        if !valid {
            return None;
        }
        let close_len = inner.get(close..)?.chars().next()?.len_utf8();
        s.len() - inner.len() + close + close_len
    } else {
        let (_, rest) = numeral(s)?;
        let mut chars = rest.chars();
        let delimiter = chars.next()?;
        let arabic_number = s.starts_with(|c: char| c.is_ascii_digit());
        let ok = match delimiter {
            '、' => true,
            '.' | '．' => arabic_number && !chars.as_str().starts_with(|c: char| c.is_ascii_digit()),
            _ => false,
        };
        if !ok {
            return None;
        }
        s.len() - rest.len() + delimiter.len_utf8()
    };
    Some((s.get(..label_len)?, s.get(label_len..)?))
}

/// A number written in Chinese numerals (一百零三, 二十, 十, 两百) or in (full-width) digits.
pub(crate) fn numeral(s: &str) -> Option<(u32, &str)> {
    if let Some(found) = arabic(s) {
        return Some(found);
    }
    let len: usize = s.chars().take_while(|&c| chinese_digit(c).is_some()).take(12).map(char::len_utf8).sum();
    let (digits, rest) = s.split_at_checked(len)?;
    let (mut total, mut digit) = (0_u32, None::<u32>);
    for c in digits.chars() {
        match chinese_digit(c)? {
            ChineseDigit::Digit(d) => digit = Some(d),
            ChineseDigit::Zero => digit = None,
            ChineseDigit::Power(p) => {
                total = total.saturating_add(digit.unwrap_or(1).saturating_mul(p));
                digit = None;
            }
        }
    }
    total = total.saturating_add(digit.unwrap_or(0));
    (total > 0).then_some((total, rest))
}

enum ChineseDigit {
    Digit(u32),
    Zero,
    Power(u32),
}

fn chinese_digit(c: char) -> Option<ChineseDigit> {
    Some(match c {
        '零' | '〇' => ChineseDigit::Zero,
        '一' => ChineseDigit::Digit(1),
        '二' | '两' => ChineseDigit::Digit(2),
        '三' => ChineseDigit::Digit(3),
        '四' => ChineseDigit::Digit(4),
        '五' => ChineseDigit::Digit(5),
        '六' => ChineseDigit::Digit(6),
        '七' => ChineseDigit::Digit(7),
        '八' => ChineseDigit::Digit(8),
        '九' => ChineseDigit::Digit(9),
        '十' => ChineseDigit::Power(10),
        '百' => ChineseDigit::Power(100),
        '千' => ChineseDigit::Power(1000),
        _ => return None,
    })
}

/// ASCII or full-width decimal digits, at most six.
fn arabic(s: &str) -> Option<(u32, &str)> {
    let mut value = 0_u32;
    let mut len = 0;
    for c in s.chars().take(6) {
        let Some(d) = super::fold_char(c).and_then(|c| c.to_digit(10)) else { break };
        value = value * 10 + d;
        len += c.len_utf8();
    }
    (len > 0 && value > 0).then(|| (value, s.get(len..).unwrap_or_default()))
}

/// Upper-case Roman numerals (Chapter III), up to 3999.
fn roman(s: &str) -> Option<(u32, &str)> {
    let value_of = |c: char| match c {
        'I' => Some(1),
        'V' => Some(5),
        'X' => Some(10),
        'L' => Some(50),
        'C' => Some(100),
        'D' => Some(500),
        'M' => Some(1000),
        _ => None,
    };
    let values: Vec<i32> = s.chars().map_while(value_of).take(15).collect();
    let mut total = 0_i32;
    for (i, &v) in values.iter().enumerate() {
        // A smaller numeral before a larger one subtracts (IV, XC).
        if values.get(i + 1).is_some_and(|&next| next > v) {
            total -= v;
        } else {
            total += v;
        }
    }
    let total = u32::try_from(total).ok().filter(|&t| (1..4000).contains(&t))?;
    Some((total, s.get(values.len()..).unwrap_or_default()))
}

/// "Chapter One" to "Chapter Twenty".
fn english_word_number(s: &str) -> Option<(u32, &str)> {
    const WORDS: [&str; 20] = [
        "One",
        "Two",
        "Three",
        "Four",
        "Five",
        "Six",
        "Seven",
        "Eight",
        "Nine",
        "Ten",
        "Eleven",
        "Twelve",
        "Thirteen",
        "Fourteen",
        "Fifteen",
        "Sixteen",
        "Seventeen",
        "Eighteen",
        "Nineteen",
        "Twenty",
    ];
    let word_len = s.find(|c: char| !c.is_ascii_alphabetic()).unwrap_or(s.len());
    let (word, rest) = s.split_at_checked(word_len)?;
    let position = WORDS.iter().position(|w| w.eq_ignore_ascii_case(word))?;
    Some((u32::try_from(position + 1).ok()?, rest))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn num(main: u32) -> Num {
        Num { main, sub: 0 }
    }

    /// The marker's kind and number, and the text after the number, for compact cases.
    fn read(line: &str) -> Option<(&'static str, String, String)> {
        let (kind, num, rest) = match marker(line)? {
            Marker::Chapter { num, rest } => ("chapter", num, rest),
            Marker::Section { num, rest } => ("section", num, rest),
            Marker::Article { num, rest } => ("article", num, rest),
        };
        Some((kind, num.to_string(), line.get(rest..)?.trim_start_matches(['*', ' ', '\u{3000}']).to_owned()))
    }

    #[rstest]
    #[case::article("第十二条 网络服务提供者应当", Some(("article", "12", "网络服务提供者应当")))]
    #[case::hundreds("第一百零三条 本法自公布之日起施行。", Some(("article", "103", "本法自公布之日起施行。")))]
    #[case::twenty("第二十条　国家鼓励", Some(("article", "20", "国家鼓励")))]
    #[case::ten_alone("第十条", Some(("article", "10", "")))]
    #[case::liang("第两百条 附则", Some(("article", "200", "附则")))]
    #[case::no_space("第五条国家保障未成年人", Some(("article", "5", "国家保障未成年人")))]
    #[case::bold("**第五条** 国家保障", Some(("article", "5", "国家保障")))]
    #[case::indented("  第五条 国家保障", Some(("article", "5", "国家保障")))]
    #[case::arabic("第12条 内容", Some(("article", "12", "内容")))]
    #[case::full_width_digits("第１２条 内容", Some(("article", "12", "内容")))]
    #[case::inserted_article("第十二条之一 新增内容", Some(("article", "12-1", "新增内容")))]
    #[case::cross_ref_regulates("第十二条规定的情形，依照执行。", None)]
    #[case::cross_ref_of("第十二条之规定适用于", None)]
    #[case::cross_ref_list("第十二条、第十三条的规定", None)]
    #[case::cross_ref_range("第十二条至第十五条", None)]
    #[case::mid_line("依照本法第十二条规定处理。", None)]
    #[case::not_a_number("第一线工作人员", None)]
    #[case::chapter("第三章 家庭保护", Some(("chapter", "3", "家庭保护")))]
    #[case::chapter_spaced("## 第一章　总　　则", Some(("chapter", "1", "总　　则")))]
    #[case::section("第一节 一般规定", Some(("section", "1", "一般规定")))]
    #[case::chapter_cross_ref("第三章规定的措施", None)]
    #[case::chapter_sentence("第三章 所列事项由国务院另行规定，报全国人民代表大会常务委员会备案。", None)]
    #[case::english_chapter_roman("Chapter III General Provisions", Some(("chapter", "3", "General Provisions")))]
    #[case::english_chapter_caps("CHAPTER IV", Some(("chapter", "4", "")))]
    #[case::english_chapter_arabic("Chapter 3: Scope", Some(("chapter", "3", ": Scope")))]
    #[case::english_chapter_word("Chapter One General Provisions", Some(("chapter", "1", "General Provisions")))]
    #[case::english_chapter_not_roman("Chapter Introduction", None)]
    #[case::english_article("Article 12 The State shall", Some(("article", "12", "The State shall")))]
    #[case::english_article_colon("Article 12: Network operators", Some(("article", "12", ": Network operators")))]
    #[case::english_art("Art. 12 Personal information", Some(("article", "12", "Personal information")))]
    #[case::english_article_roman("Article IV", Some(("article", "4", "")))]
    #[case::english_cross_ref("Article 12 of this Law applies", None)]
    #[case::english_plural("Articles 12 and 13 apply", None)]
    #[case::english_other_word("Articulate the rules", None)]
    #[case::english_section("Section 2 Data Handling", Some(("section", "2", "Data Handling")))]
    #[case::plain("国家保障未成年人的生存权。", None)]
    fn markers(#[case] line: &str, #[case] expected: Option<(&str, &str, &str)>) {
        let got = read(line);
        let got = got.as_ref().map(|(k, n, r)| (*k, n.as_str(), r.as_str()));
        assert_eq!(got, expected);
    }

    #[rstest]
    #[case::one("一", Some(1))]
    #[case::ten("十", Some(10))]
    #[case::twelve("十二", Some(12))]
    #[case::twenty("二十", Some(20))]
    #[case::hundred_and_three("一百零三", Some(103))]
    #[case::hundred_ten("一百一十", Some(110))]
    #[case::two_hundred("两百", Some(200))]
    #[case::three_twenty_one("三百二十一", Some(321))]
    #[case::thousand_and_one("一千零一", Some(1001))]
    #[case::arabic("12", Some(12))]
    #[case::zero("零", None)]
    #[case::not_a_numeral("条", None)]
    fn numerals(#[case] text: &str, #[case] expected: Option<u32>) {
        assert_eq!(numeral(text).map(|(n, _)| n), expected);
    }

    #[rstest]
    #[case::chinese_paren("（三）建立健全制度；", Some(("（三）", "建立健全制度；")))]
    #[case::ascii_paren("(3) keep records", Some(("(3)", " keep records")))]
    #[case::mixed_paren("(十二)其他", Some(("(十二)", "其他")))]
    #[case::letter("(a) the operator", Some(("(a)", " the operator")))]
    #[case::dotted("3. keep records", Some(("3.", " keep records")))]
    #[case::comma("三、工作要求", Some(("三、", "工作要求")))]
    #[case::decimal("3.5倍以下罚款", None)]
    #[case::year("2023年起施行", None)]
    #[case::paren_words("(注意)", None)]
    #[case::plain("国家保障", None)]
    fn items(#[case] line: &str, #[case] expected: Option<(&str, &str)>) {
        assert_eq!(item_label(line), expected);
    }

    fn segmented(lines: &[&str]) -> Segmented {
        let owned: Vec<String> = lines.iter().map(|l| (*l).to_owned()).collect();
        segment(&Text::new(&owned))
    }

    #[test]
    fn table_of_contents_stays_in_the_preamble() {
        let s = segmented(&[
            "某某保护法",
            "目录",
            "第一章 总则",
            "第二章 附则",
            "第一章 总则",
            "第一条 为了保护未成年人，制定本法。",
            "（一）给予特殊保护；",
            "（二）尊重人格尊严。",
            "第二条 依照第一条规定的原则，",
            "第十二条规定的情形除外。",
            "第二章 附则",
            "第三条 本法自公布之日起施行。",
        ]);
        assert_eq!(s.preamble, "某某保护法\n目录\n第一章总则\n第二章附则");
        let headings: Vec<(String, &str)> = s.headings.iter().map(|h| (h.label(), h.title.as_str())).collect();
        assert_eq!(headings, [("1".to_owned(), "总则"), ("2".to_owned(), "附则")]);
        let articles: Vec<(Num, usize)> = s.articles.iter().map(|a| (a.num, a.items.len())).collect();
        assert_eq!(articles, [(num(1), 2), (num(2), 0), (num(3), 0)]);
        assert_eq!(s.articles[1].key, "依照第一条规定的原则,\n第十二条规定的情形除外。");
        assert_eq!(s.articles[0].items[1].key, "尊重人格尊严。");
    }

    #[test]
    fn text_without_articles_is_one_unit() {
        let s = segmented(&["关于开展专项行动的通知", "第一章 总体要求", "各有关单位：", "现将有关事项通知如下。"]);
        assert!(s.articles.is_empty() && s.headings.is_empty());
        assert_eq!(s.preamble.lines().count(), 4);
    }

    #[test]
    fn sections_are_numbered_within_their_chapter() {
        let s =
            segmented(&["第二章 网络保护", "第一节 一般规定", "第五条 国家保障", "第二节 特别规定", "第六条 国家鼓励"]);
        let labels: Vec<String> = s.headings.iter().map(Heading::label).collect();
        assert_eq!(labels, ["2", "2.1", "2.2"]);
        assert_eq!(s.articles.len(), 2);
        assert_eq!(s.preamble, "");
    }

    #[test]
    fn english_articles_and_cross_references() {
        let s = segmented(&[
            "Personal Information Protection Law",
            "Chapter I General Provisions",
            "Article 1 This Law is enacted to protect personal information.",
            "Article 38 of the Cybersecurity Law applies where relevant.",
            "Art. 2 The personal information of natural persons is protected by law.",
            "(1) consent;",
            "(2) contract.",
        ]);
        let nums: Vec<Num> = s.articles.iter().map(|a| a.num).collect();
        assert_eq!(nums, [num(1), num(2)]);
        assert_eq!(s.articles[0].body.lines().count(), 2);
        assert_eq!(s.articles[1].items.iter().map(|i| i.label.as_str()).collect::<Vec<_>>(), ["(1)", "(2)"]);
    }
}
