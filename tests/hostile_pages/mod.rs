//! Hostile HTML built to make a parser nest deep, build huge trees or scan long stacks; each
//! is a way around a tokenizer-level depth estimate. Used by unit tests (`#[path]` from src),
//! integration tests and benchmarks alike.

#![allow(dead_code, unreachable_pub, clippy::missing_panics_doc)]

/// How many times each hostile unit repeats: what the filed issue used.
pub const REPEAT: usize = 100_000;

/// Every hostile page by name.
pub fn all() -> Vec<(&'static str, String)> {
    vec![
        ("plain-divs", "<div>".repeat(REPEAT)),
        // Inside <svg>, <title> is not raw text: the prescan skipped the divs as a title's text.
        ("foreign-content", format!("<svg><title>{}", "<div>".repeat(REPEAT))),
        ("math-foreign-content", format!("<math><mi>{}", "<div>".repeat(REPEAT))),
        // `</div>` does not close through <object> (a scope boundary): everything nests.
        ("object-div", "<div><object></div>".repeat(REPEAT)),
        ("nested-tables", "<table><tr><td>".repeat(REPEAT)),
        // The adoption agency reparents and clones formatting elements.
        ("anchors-in-blocks", "<a><div>".repeat(REPEAT)),
        ("formatting-across-blocks", "<b><p>x".repeat(REPEAT)),
        ("distinct-formatting", (0..REPEAT).map(|i| format!("<b id={i}><p>x")).collect()),
        ("template-nesting", "<template>".repeat(REPEAT)),
        ("select-in-table", "<table><select><option>".repeat(REPEAT)),
    ]
}
