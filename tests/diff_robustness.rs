//! `compare` and the renderings take text scraped from the network: no input may panic them,
//! and comparing a text with itself must always report nothing.

use regwatch::diff::{compare, render};
use rstest::rstest;

fn lines(text: &str) -> Vec<String> {
    text.split('|').map(str::to_owned).collect()
}

#[rstest]
#[case::empty("", "")]
#[case::markers_only("第|第十|第十条|第条|（|(|）|Article|Chapter |Art.|第一章", "第十条|第一章|第二章")]
#[case::huge_numbers(
    "第一二三四五六七八九十百千万条 a|第999999999条 b|Article 4294967296 c",
    "第千千千千千千千千千千千千条 d"
)]
#[case::roman_extremes("Chapter MMMMMMMMMMMMMMM|Chapter IIIIIIIIIIIIIIIIIIII", "Chapter MMMCMXCIX|Chapter IM")]
#[case::items_without_articles("（一）甲|（二）乙|3. three", "（一）甲|（三）丙")]
#[case::invisible_and_blank("\u{200B}|\u{3000}| |\u{FEFF}", "\u{200D}")]
#[case::duplicate_articles("第一条 同|第一条 同|第一条 同", "第一条 同|第一条 异")]
#[case::control_and_combining("第一条 a\u{1}b\u{0301}|e\u{301}\u{302}", "第一条 a\u{1}c|👨‍👩‍👧")]
#[case::decreasing_numbers("第五条 五|第三条 三|第一条 一", "第一条 一|第三条 三|第五条 五")]
fn odd_inputs_do_not_panic(#[case] old: &str, #[case] new: &str) {
    let (old, new) = (lines(old), lines(new));
    let comparison = compare(&old, &new);
    let _ = render::unified(&comparison, "a", "b");
    let _ = render::html(&comparison, "t");
    let same = compare(&new, &new);
    assert!(same.hunks.is_empty() && same.articles.is_empty() && same.headings.is_empty(), "{same:?}");
}

/// A deterministic stream of lines built from the characters legal-text parsing cares about.
fn generated(seed: u64, count: usize) -> Vec<String> {
    const PIECES: [&str; 24] = [
        "第", "十", "一", "百", "零", "两", "条", "章", "节", "之", "（", "）", "(", ")", "3.", "、", "规定", " ",
        "\u{3000}", "\u{200B}", "Article ", "Chapter ", "IV", "国家",
    ];
    let mut state = seed;
    let mut next = move || {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        usize::try_from(state >> 33).unwrap_or(0)
    };
    (0..count).map(|_| (0..next() % 12).map(|_| PIECES[next() % PIECES.len()]).collect()).collect()
}

#[test]
fn generated_texts_do_not_panic() {
    for seed in 0..200 {
        let old = generated(seed, 40);
        let new = generated(seed + 1000, 40);
        let comparison = compare(&old, &new);
        let _ = render::html(&comparison, "t");
        assert!(compare(&old, &old).hunks.is_empty());
    }
}
