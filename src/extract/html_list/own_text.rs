//! List items that are their own documents (`follow = false`): a law firm's newsletter read
//! entry by entry, a page of short notices. Each item's text becomes a document of its own, so an
//! edit to one entry is one small change and a new entry one new document, instead of one
//! 40 KB page diff.
//!
//! Owns where an item's text is (inside its element, or, on a flat page, its heading and the
//! elements after it), the item's title without its running number, and its identity: its link
//! when it has one of its own, else the page URL with a fragment derived from its title. Not the
//! selectors' plumbing (`html_list`) nor what the pipeline records.
//!
//! Invariants the rest relies on:
//! - A running number ("3.", "（三）", "三、") is no part of an item: inserting an entry renumbers
//!   the ones after it, which must change neither their identity nor their text.
//! - The fragment is derived from the title's comparison key (`blocks::line_key`), so a width
//!   variant or a stray space in a heading is the same item.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use regex::Regex;
use scraper::{ElementRef, Html, Node};
use sha2::{Digest, Sha256};
use url::Url;

use super::{link, read};
use crate::config::model::{CssSelector, ItemExtent, ItemText, ListSpec};
use crate::extract::ListItem;
use crate::extract::blocks::{self, BlockText, Furniture, line_key, normalise_line};
use crate::extract::date::{parse_deadline, parse_published};

/// A running number at the start of a heading: `3.`, `3)`, `3、`, `(3)`, `（三）`, `三、`, `a)`.
/// A digit right after a `.` or `:` is no numbering (`3.5 GHz band`); `without_enumeration`
/// checks that.
static ENUMERATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^\s*(?:[(（]\s*(?:[0-9]{1,3}|[一二三四五六七八九十百]{1,4}|[A-Za-z])\s*[)）]|(?:[0-9]{1,3}|[一二三四五六七八九十百]{1,4})\s*[.．、:：)）]|[A-Za-z][.)])\s*",
    )
    .expect("static regex")
});

/// Longest slug of title words kept in a fragment, in bytes.
const SLUG_BYTES: usize = 48;

/// The items of a parsed list page, each with its own text as `content`. Items without a title
/// or any text are skipped.
pub(super) fn items(page: &Html, base: &Url, page_url: &Url, spec: &ListSpec, own: &ItemText) -> Vec<ListItem> {
    let elements: Vec<ElementRef<'_>> = page.select(&spec.item.selector).collect();
    let starts: HashSet<_> = elements.iter().map(|el| el.id()).collect();
    let is_start = |el: ElementRef<'_>| starts.contains(&el.id());
    let mut links = HashSet::new();
    let mut fragments: HashMap<String, usize> = HashMap::new();
    let mut items = Vec::new();
    for el in elements {
        let lines = match &own.extent {
            ItemExtent::Within(region) => within(el, region.as_ref(), own),
            ItemExtent::Until(until) => running(el, until, &is_start, own),
        };
        let heading = read(el, &spec.title).filter(|t| !t.is_empty()).or_else(|| lines.first().cloned());
        let Some(heading) = heading else {
            tracing::debug!(item = %blocks::plain_text(el), "List item has no title or text; skipped.");
            continue;
        };
        let title = without_enumeration(&heading);
        let content = document(&heading, &title, lines);
        // Two entries citing one official document are still two entries: the second is known
        // by its title.
        let own_link = spec
            .link
            .as_ref()
            .and_then(|selector| link(el, selector, base))
            .map(|(url, _)| url)
            .filter(|url| links.insert(url.clone()));
        let (url, item_link) = match own_link {
            Some(url) => (url.clone(), Some(url)),
            None => (with_fragment(page_url, &fragment(&title, &mut fragments)), None),
        };
        // Only a date the source points at: the first date in an entry's prose is no date of
        // the entry ("…will take effect on 1 December 2023").
        let published = spec.date.as_ref().and_then(|d| read(el, d)).and_then(|t| parse_published(&t));
        let deadline = spec.deadline.as_ref().and_then(|d| read(el, d)).and_then(|t| parse_deadline(&t));
        items.push(ListItem {
            url,
            link: item_link,
            title,
            published,
            content: Some(content),
            deadline,
            attachment: None,
        });
    }
    items
}

/// The lines of the item element, or of the regions `region` matches inside it (the element
/// itself when it matches), each region once.
fn within(el: ElementRef<'_>, region: Option<&CssSelector>, own: &ItemText) -> Vec<String> {
    let Some(region) = region else { return lines_of(el, own) };
    if region.selector.matches(&el) {
        return lines_of(el, own);
    }
    let mut taken = HashSet::new();
    let mut lines = Vec::new();
    for part in el.select(&region.selector) {
        // `text = "div, p"` must not read a paragraph twice.
        if part.ancestors().any(|a| taken.contains(&a.id())) {
            continue;
        }
        taken.insert(part.id());
        lines.extend(lines_of(part, own));
    }
    lines
}

/// The item element's lines and those of the elements after it, up to the next item or an
/// element `until` matches (or one holding either: a theme heading wrapped in a `div`).
fn running(
    el: ElementRef<'_>,
    until: &CssSelector,
    is_start: &dyn Fn(ElementRef<'_>) -> bool,
    own: &ItemText,
) -> Vec<String> {
    let mut lines = lines_of(el, own);
    for node in el.next_siblings() {
        match node.value() {
            Node::Element(_) => {
                let Some(sibling) = ElementRef::wrap(node) else { continue };
                let ends = is_start(sibling)
                    || until.selector.matches(&sibling)
                    || sibling.descendants().filter_map(ElementRef::wrap).any(is_start)
                    || sibling.select(&until.selector).next().is_some();
                if ends {
                    break;
                }
                // `from_region` leaves out what `ignore` matches inside a region, not the region.
                if own.ignore.iter().any(|s| s.selector.matches(&sibling)) {
                    continue;
                }
                lines.extend(lines_of(sibling, own));
            }
            Node::Text(text) => {
                let line = normalise_line(text);
                if !line.is_empty() && !own.ignore_text.iter().any(|re| re.is_match(&line)) {
                    lines.push(line);
                }
            }
            _ => {}
        }
    }
    lines
}

fn lines_of(el: ElementRef<'_>, own: &ItemText) -> Vec<String> {
    blocks::from_region(el, &own.ignore, &own.ignore_text, Furniture::Keep).lines().to_vec()
}

/// The item's document: its title, then its text without the heading it came from.
fn document(heading: &str, title: &str, mut lines: Vec<String>) -> BlockText {
    let heading_key = line_key(heading);
    let title_key = line_key(title);
    // The heading is the first line that starts with it (a `<p><strong>3. Title</strong> On 21
    // October …</p>` holds heading and text in one line): what follows it stays.
    if let Some(at) = lines.iter().position(|l| {
        let key = line_key(l);
        key.starts_with(&heading_key) || key.starts_with(&title_key)
    }) {
        let rest = strip_heading(&lines[at], heading).or_else(|| strip_heading(&lines[at], title));
        match rest {
            Some(rest) if !rest.is_empty() => lines[at] = rest,
            _ => {
                lines.remove(at);
            }
        }
    }
    BlockText::from_lines(std::iter::once(title.to_owned()).chain(lines))
}

/// `line` without `heading` at its start, compared as keys are (spacing and widths folded);
/// `None` when it does not start with it.
fn strip_heading(line: &str, heading: &str) -> Option<String> {
    let wanted = line_key(heading);
    if wanted.is_empty() {
        return None;
    }
    // Walk the line's characters until their key covers the heading's.
    for (at, _) in line.char_indices().chain(std::iter::once((line.len(), ' '))) {
        let key = line_key(&line[..at]);
        if key == wanted {
            return Some(normalise_line(&line[at..]));
        }
        if key.len() > wanted.len() {
            return None;
        }
    }
    None
}

/// `heading` without a running number at its start; the heading itself when that is all it is.
pub(super) fn without_enumeration(heading: &str) -> String {
    let heading = normalise_line(heading);
    let Some(found) = ENUMERATION.find(&heading) else { return heading };
    let rest = &heading[found.end()..];
    let separator_then_digit = heading[..found.end()].trim_end().ends_with(['.', '．', ':', '：'])
        && rest.starts_with(|c: char| c.is_ascii_digit());
    if rest.trim().is_empty() || separator_then_digit {
        return heading;
    }
    rest.trim().to_owned()
}

/// `item-<words>-<hash>`: readable words of the title, and 8 hex digits of the SHA-256 of its
/// comparison key; a second item with the same title on the page gets `-2`, and so on.
fn fragment(title: &str, seen: &mut HashMap<String, usize>) -> String {
    let key = line_key(title);
    let hash = hex::encode(&Sha256::digest(key.as_bytes())[..4]);
    let slug = slug(title);
    let base = if slug.is_empty() { format!("item-{hash}") } else { format!("item-{slug}-{hash}") };
    let count = seen.entry(base.clone()).or_insert(0);
    *count += 1;
    if *count == 1 { base } else { format!("{base}-{count}") }
}

/// Lower-case ASCII words of `title` joined by `-`, cut at a word boundary.
fn slug(title: &str) -> String {
    let mut slug = String::new();
    for word in title.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()) {
        if !slug.is_empty() && slug.len() + 1 + word.len() > SLUG_BYTES {
            break;
        }
        if !slug.is_empty() {
            slug.push('-');
        }
        slug.push_str(&word.to_ascii_lowercase());
        if slug.len() >= SLUG_BYTES {
            slug.truncate(SLUG_BYTES);
            break;
        }
    }
    slug
}

fn with_fragment(page: &Url, fragment: &str) -> Url {
    let mut url = page.clone();
    url.set_fragment(Some(fragment));
    url
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    #[rstest]
    #[case("1. Comments Sought on the Draft", "Comments Sought on the Draft")]
    #[case("12.The CAC Released Rules", "The CAC Released Rules")]
    #[case("3) Minors Mode", "Minors Mode")]
    #[case("(4) Face Recognition", "Face Recognition")]
    #[case("（三）个人信息出境", "个人信息出境")]
    #[case("三、数据安全", "数据安全")]
    #[case("一、", "一、")]
    #[case("3.5 GHz Band Plan", "3.5 GHz Band Plan")]
    #[case("2023 Work Plan", "2023 Work Plan")]
    #[case("5G Licences", "5G Licences")]
    #[case("Regarding national security", "Regarding national security")]
    #[case("  7.\u{a0}Draft  Rules ", "Draft Rules")]
    fn running_numbers_are_no_part_of_a_title(#[case] heading: &str, #[case] expected: &str) {
        assert_eq!(without_enumeration(heading), expected);
    }

    #[test]
    fn fragments_are_stable_readable_and_unique() {
        let mut seen = HashMap::new();
        let a = fragment("Comments Sought on the Law on Guarding State Secrets (Draft Revision)", &mut seen);
        assert!(a.starts_with("item-comments-sought-on-the-law-on-guarding-state-"), "{a}");
        assert!(a.len() < 70, "{a}");
        // The same title compared as text is compared: widths and spacing folded.
        let mut other = HashMap::new();
        assert_eq!(fragment("Comments  Sought on the Law on Guarding State Secrets （Draft Revision）", &mut other), a);
        let cjk = fragment("网信办发布人脸识别技术应用安全管理办法", &mut seen);
        assert!(cjk.starts_with("item-") && cjk.len() == "item-".len() + 8, "{cjk}");
        let twice = fragment("Comments Sought on the Law on Guarding State Secrets (Draft Revision)", &mut seen);
        assert_eq!(twice, format!("{a}-2"));
    }

    #[rstest]
    #[case("3. Draft Rules", "Draft Rules", &["3. Draft Rules", "On 21 October the CAC …"], &["Draft Rules", "On 21 October the CAC …"])]
    #[case("3. Draft Rules", "Draft Rules", &["3. Draft Rules On 21 October the CAC …"], &["Draft Rules", "On 21 October the CAC …"])]
    #[case("Draft Rules", "Draft Rules", &["On 21 October the CAC …"], &["Draft Rules", "On 21 October the CAC …"])]
    #[case("（三）个人信息", "个人信息", &["（三） 个人信息", "正文"], &["个人信息", "正文"])]
    fn a_document_is_its_title_then_its_text(
        #[case] heading: &str,
        #[case] title: &str,
        #[case] lines: &[&str],
        #[case] expected: &[&str],
    ) {
        let lines = lines.iter().map(|l| (*l).to_owned()).collect();
        assert_eq!(document(heading, title, lines).lines(), expected);
    }
}
