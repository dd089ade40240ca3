//! Helpers of the diff tests: Markdown law texts into block text, and synthetic laws. (Not
//! `tests/common`, which belongs to the pipeline tests.)

#![allow(dead_code, unreachable_pub, reason = "each test file uses a different part of the helpers")]

pub mod synthetic;

use std::path::PathBuf;

/// Reads a fixture under `tests/fixtures/`.
pub fn fixture(path: &str) -> String {
    let full = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("cannot read fixture {}: {e}", full.display()))
}

/// A `LawRefBook` Markdown file as block text, roughly as `extract` would deliver it: one line per
/// paragraph, Markdown markers and HTML comments dropped, zero-width characters removed,
/// whitespace (including U+3000) collapsed, empty lines dropped. Not the app's normaliser:
/// `extract` owns that; this only stands in for it.
pub fn block_text(markdown: &str) -> Vec<String> {
    markdown
        .lines()
        .map(|line| {
            let line = line.trim().trim_start_matches('#').replace("**", "");
            let visible: String = line.chars().filter(|c| !matches!(c, '\u{200B}'..='\u{200D}' | '\u{FEFF}')).collect();
            visible.split_whitespace().collect::<Vec<_>>().join(" ")
        })
        .filter(|line| !(line.is_empty() || is_html_comment(line)))
        .collect()
}

fn is_html_comment(line: &str) -> bool {
    line.starts_with("<!--") && line.ends_with("-->")
}
