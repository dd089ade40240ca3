//! The walk over an HTML region that produces lines: which elements are dropped, which start
//! a line, which join their cells into one. Iterative throughout (an explicit stack), so no
//! tree is deep enough to overflow ours.

use scraper::{ElementRef, Node};

use super::{Furniture, normalise_line};

/// The region's lines, normalised, without the elements `skip` rejects.
pub(super) fn lines(region: ElementRef<'_>, skip: impl Fn(ElementRef<'_>) -> bool) -> Vec<String> {
    let mut walk = Walk { lines: Vec::new(), line: String::new(), skip };
    walk.region(region);
    walk.flush();
    walk.lines
}

/// Elements whose content is never document text. `form` is not among them on purpose:
/// ASP.NET sites wrap the whole page in one.
#[rustfmt::skip]
const NEVER_TEXT: [&str; 15] = [
    "script", "style", "noscript", "template", "nav", "iframe", "svg", "object", "embed", "canvas",
    "button", "select", "textarea", "input", "head",
];

/// Elements that start and end a line (besides `LAYOUT`).
#[rustfmt::skip]
const BLOCK: [&str; 27] = [
    "html", "body", "tr", "td", "th", "tbody", "thead", "tfoot", "caption", "center", "address", "main",
    "header", "footer", "aside", "hgroup", "figure", "figcaption", "details", "summary", "fieldset",
    "legend", "dialog", "menu", "dir", "form", "option",
];

/// Elements that, inside a table cell, mean the table is page layout rather than data.
#[rustfmt::skip]
const LAYOUT: [&str; 19] = [
    "p", "div", "table", "ul", "ol", "li", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6",
    "blockquote", "pre", "section", "article",
];

/// Whether an element and its content are left out of the text.
pub(super) fn dropped(el: ElementRef<'_>, furniture: Furniture) -> bool {
    let e = el.value();
    let never_text = NEVER_TEXT.contains(&e.name());
    let furniture_el = furniture == Furniture::Drop && matches!(e.name(), "header" | "footer" | "aside");
    let hidden = e.attr("hidden").is_some()
        || e.attr("aria-hidden").is_some_and(|v| v.eq_ignore_ascii_case("true"))
        || e.attr("style").is_some_and(is_hidden_style);
    never_text || furniture_el || hidden || is_relative_time_element(el)
}

/// A `<time>` whose text is relative ("3 hours ago", "昨天 12:30"): it says when the page was
/// rendered, not what the document says, and changes on every poll.
fn is_relative_time_element(el: ElementRef<'_>) -> bool {
    el.value().name() == "time" && super::is_relative_time(&el.text().collect::<String>())
}

fn is_hidden_style(style: &str) -> bool {
    let compact: String = style.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_lowercase();
    compact.contains("display:none") || compact.contains("visibility:hidden")
}

/// How an element shapes lines.
enum Shape {
    Inline,
    /// Starts and ends a line.
    Block,
    /// Ends the current line.
    Break,
    /// A table row whose cells hold only inline content: one line, cells joined by " | ".
    DataRow,
    /// Preformatted text: its own line breaks kept.
    Pre,
}

fn shape(el: ElementRef<'_>) -> Shape {
    match el.value().name() {
        "br" | "hr" => Shape::Break,
        "pre" | "listing" | "xmp" | "plaintext" => Shape::Pre,
        "tr" if !el.descendent_elements().any(|d| is_layout(d.value().name())) => Shape::DataRow,
        name if is_block(name) => Shape::Block,
        _ => Shape::Inline,
    }
}

fn is_block(name: &str) -> bool {
    is_layout(name) || BLOCK.contains(&name)
}

fn is_layout(name: &str) -> bool {
    LAYOUT.contains(&name)
}

/// Text of an element's subtree, without the elements `skip` rejects. Iterative: html5ever's
/// trees are only as shallow as the guard made them, and a stack overflow is a crash.
pub(super) fn inline_text(el: ElementRef<'_>, skip: &dyn Fn(ElementRef<'_>) -> bool) -> String {
    let mut out = String::new();
    let mut stack = vec![el.children()];
    while let Some(children) = stack.last_mut() {
        let Some(node) = children.next() else {
            stack.pop();
            continue;
        };
        match node.value() {
            Node::Text(t) => out.push_str(t),
            Node::Element(_) => {
                if let Some(child) = ElementRef::wrap(node) {
                    if child.value().name() == "br" {
                        out.push('\n');
                    } else if !skip(child) {
                        stack.push(child.children());
                    }
                }
            }
            _ => {}
        }
    }
    out
}

struct Walk<F> {
    lines: Vec<String>,
    line: String,
    skip: F,
}

impl<F: Fn(ElementRef<'_>) -> bool> Walk<F> {
    fn flush(&mut self) {
        let line = normalise_line(&self.line);
        self.line.clear();
        if !line.is_empty() {
            self.lines.push(line);
        }
    }

    /// Walks the region's descendants with an explicit stack (see `inline_text`).
    fn region(&mut self, region: ElementRef<'_>) {
        let mut stack = vec![(region, region.children())];
        while let Some((parent, children)) = stack.last_mut() {
            let parent = *parent;
            let Some(node) = children.next() else {
                stack.pop();
                if matches!(shape(parent), Shape::Block) {
                    self.flush();
                }
                continue;
            };
            if let Node::Text(t) = node.value() {
                self.line.push_str(t);
                continue;
            }
            let Some(el) = ElementRef::wrap(node) else {
                continue;
            };
            if (self.skip)(el) {
                continue;
            }
            match shape(el) {
                Shape::Inline => stack.push((el, el.children())),
                Shape::Block => {
                    self.flush();
                    stack.push((el, el.children()));
                }
                Shape::Break => self.flush(),
                Shape::DataRow => self.row(el),
                Shape::Pre => self.pre(el),
            }
        }
    }

    fn row(&mut self, tr: ElementRef<'_>) {
        self.flush();
        let cells: Vec<String> = tr
            .child_elements()
            .filter(|c| matches!(c.value().name(), "td" | "th") && !(self.skip)(*c))
            .map(|c| normalise_line(&inline_text(c, &|el| (self.skip)(el))))
            .collect();
        if cells.iter().any(|c| !c.is_empty()) {
            self.lines.push(cells.join(" | "));
        }
    }

    fn pre(&mut self, el: ElementRef<'_>) {
        self.flush();
        let text = inline_text(el, &|el| (self.skip)(el));
        self.lines.extend(text.lines().map(normalise_line).filter(|l| !l.is_empty()));
    }
}
