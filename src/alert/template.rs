//! The pieces both email kinds are made of: one event as plain text and as HTML, the diff
//! excerpt, escaping, header-safe subjects and the HTML page frame.
//!
//! Every string that came from a scraped page (titles, URLs, summaries, diff lines, source
//! names, topic labels) goes through [`escape`] or [`href`] before it reaches HTML, and
//! through [`header_text`] before it reaches a header. The HTML uses tables and inline styles
//! only: Gmail drops `<style>` blocks in many views and Outlook renders with Word's engine.
//!
//! Not here: grouping (`digest`), message assembly and sending (`email`).

use std::collections::HashMap;
use std::fmt::Write as _;

use jiff::civil::Date;
use url::Url;

use super::event::{ChangeRef, DocumentData, Event, EventData, Stage};
use crate::config::model::EventType;

/// Lines of the unified diff shown per change.
pub(crate) const DIFF_EXCERPT_LINES: usize = 12;

/// Characters of one diff line shown; the rest is cut with an ellipsis.
const DIFF_LINE_CHARS: usize = 200;

const FONT: &str = "font-family:Arial,Helvetica,sans-serif;";
const MONO: &str = "font-family:Consolas,Menlo,'Courier New',monospace;font-size:12px;";

/// The human name of an event kind, for subjects and section titles.
pub(crate) const fn kind_label(kind: EventType) -> &'static str {
    match kind {
        EventType::DocumentNew => "New",
        EventType::DocumentChanged => "Changed",
        EventType::DocumentFinal => "Final",
        EventType::SourceUnhealthy => "Source unhealthy",
        EventType::SourceRecovered => "Source recovered",
    }
}

/// HTML-escapes text for element content and quoted attributes (the diff renderer's escaper).
pub(crate) use crate::diff::render::escape;

/// An `href` value, escaped; `None` for anything but http(s), so a scraped `javascript:` or
/// `data:` URL never becomes a link.
pub(crate) fn href(url: &Url) -> Option<String> {
    matches!(url.scheme(), "http" | "https").then(|| escape(url.as_str()))
}

/// One line of header-safe text: control characters (CR and LF among them, so no header can
/// be injected) become spaces, runs of whitespace collapse, and the result is cut to
/// `max_chars` with an ellipsis.
pub(crate) fn header_text(text: &str, max_chars: usize) -> String {
    let cleaned: String = text.chars().map(|c| if c.is_control() || is_line_break(c) { ' ' } else { c }).collect();
    truncate(&cleaned.split_whitespace().collect::<Vec<_>>().join(" "), max_chars)
}

const fn is_line_break(c: char) -> bool {
    matches!(c, '\u{2028}' | '\u{2029}' | '\u{85}')
}

pub(crate) fn truncate(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(max_chars.saturating_sub(1)).collect();
    cut.truncate(cut.trim_end().len());
    cut.push('…');
    cut
}

/// What a line of the excerpt is, for its colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LineKind {
    Added,
    Removed,
    Context,
    Hunk,
}

/// The first `max` lines of a unified diff after its `---`/`+++` header, and how many more
/// lines there were.
pub(crate) fn diff_excerpt(diff: &str, max: usize) -> (Vec<(LineKind, String)>, usize) {
    let mut in_header = true;
    let mut lines = Vec::new();
    let mut omitted = 0;
    for line in diff.lines() {
        if in_header && (line.starts_with("--- ") || line.starts_with("+++ ")) {
            continue;
        }
        in_header = false;
        if lines.len() == max {
            omitted += 1;
            continue;
        }
        let kind = match line.chars().next() {
            Some('+') => LineKind::Added,
            Some('-') => LineKind::Removed,
            Some('@') if line.starts_with("@@") => LineKind::Hunk,
            _ => LineKind::Context,
        };
        lines.push((kind, truncate(line, DIFF_LINE_CHARS)));
    }
    (lines, omitted)
}

/// "Comment deadline 2026-12-01 (in 9 days)" relative to `today`.
pub(crate) fn deadline_phrase(deadline: Date, today: Date) -> String {
    let days = today.until(deadline).map_or(0, |span| span.get_days());
    match days {
        0 => format!("{deadline} (today)"),
        1 => format!("{deadline} (tomorrow)"),
        d if d < 0 => format!("{deadline} (passed)"),
        d => format!("{deadline} (in {d} days)"),
    }
}

fn label<'a>(topic: &'a str, labels: &'a HashMap<String, String>) -> &'a str {
    labels.get(topic).map_or(topic, String::as_str)
}

fn facts(doc: &DocumentData, labels: &HashMap<String, String>, today: Date) -> Vec<String> {
    let d = &doc.document;
    let mut facts = vec![doc.source.name.clone()];
    if d.stage != Stage::Unknown {
        facts.push(format!("stage: {}", d.stage.as_str()));
    }
    if let Some(deadline) = d.deadline {
        facts.push(format!("comment deadline: {}", deadline_phrase(deadline, today)));
    }
    if let Some(published) = d.published {
        facts.push(format!("published {published}"));
    }
    if !d.topics.is_empty() {
        let topics: Vec<&str> = d.topics.iter().map(|t| label(t, labels)).collect();
        facts.push(format!("topics: {}", topics.join(", ")));
    }
    facts
}

/// "Why tagged: Facial recognition: "人脸识别" in the title; …", or `None` without evidence.
fn why_line(doc: &DocumentData, labels: &HashMap<String, String>) -> Option<String> {
    if doc.document.why.is_empty() {
        return None;
    }
    let parts: Vec<String> =
        doc.document.why.iter().map(|(topic, why)| format!("{}: {why}", label(topic, labels))).collect();
    Some(format!("Why tagged: {}", parts.join("; ")))
}

fn change_line(change: &ChangeRef) -> String {
    let summary = if change.summary.trim().is_empty() { "Text changed" } else { change.summary.trim() };
    format!(
        "{summary} (+{} −{} lines, version {} → {})",
        change.added_lines, change.removed_lines, change.from_version, change.to_version
    )
}

/// One event as plain text, indented under a bullet.
pub(crate) fn event_text(event: &Event, labels: &HashMap<String, String>, today: Date, out: &mut String) {
    let _ = match &event.data {
        EventData::Source(s) => {
            writeln!(out, "* [{}] {}\n  {}", kind_label(event.kind), s.source.name, header_text(&s.reason, 500))
        }
        EventData::Document(doc) => document_text(event.kind, doc, labels, today, out),
    };
    out.push('\n');
}

fn document_text(
    kind: EventType,
    doc: &DocumentData,
    labels: &HashMap<String, String>,
    today: Date,
    out: &mut String,
) -> std::fmt::Result {
    writeln!(out, "* [{}] {}", kind_label(kind), header_text(&doc.document.title, 300))?;
    writeln!(out, "  {}", facts(doc, labels, today).join(" · "))?;
    if let Some(why) = why_line(doc, labels) {
        writeln!(out, "  {}", header_text(&why, 500))?;
    }
    if let Some(change) = &doc.change {
        writeln!(out, "  {}", change_line(change))?;
    }
    writeln!(out, "  {}", doc.document.url)?;
    if let Some(url) = doc.change.as_ref().and_then(|c| c.url.as_ref()) {
        writeln!(out, "  Read the full redline: {url}")?;
    }
    if let Some(draft) = &doc.draft {
        writeln!(out, "  Draft: {} {}", header_text(&draft.title, 300), draft.url)?;
    }
    if let Some(change) = &doc.change {
        let (lines, omitted) = diff_excerpt(&change.diff, DIFF_EXCERPT_LINES);
        for (_, line) in &lines {
            writeln!(out, "    {line}")?;
        }
        if omitted > 0 {
            writeln!(out, "    … {omitted} more lines")?;
        }
    }
    Ok(())
}

/// One event as an HTML table row.
pub(crate) fn event_html(event: &Event, labels: &HashMap<String, String>, today: Date, out: &mut String) {
    out.push_str("<tr><td style=\"padding:12px 0;border-top:1px solid #e5e7eb;\">");
    let kind = kind_label(event.kind);
    match &event.data {
        EventData::Source(s) => {
            let _ = write!(
                out,
                "<div style=\"{FONT}font-size:15px;font-weight:bold;color:#111827;\">{}: {}</div>\
                 <div style=\"{FONT}font-size:14px;color:#374151;padding-top:4px;\">{}</div>",
                escape(kind),
                escape(&s.source.name),
                escape(&s.reason)
            );
        }
        EventData::Document(doc) => document_html(kind, doc, labels, today, out),
    }
    out.push_str("</td></tr>\n");
}

fn document_html(kind: &str, doc: &DocumentData, labels: &HashMap<String, String>, today: Date, out: &mut String) {
    let title = escape(&doc.document.title);
    let _ = write!(
        out,
        "<div style=\"{FONT}font-size:11px;font-weight:bold;color:#6b7280;text-transform:uppercase;\">{}</div>",
        escape(kind)
    );
    let _ = match href(&doc.document.url) {
        Some(link) => write!(
            out,
            "<a href=\"{link}\" style=\"{FONT}font-size:16px;font-weight:bold;color:#1d4ed8;text-decoration:none;\">{title}</a>"
        ),
        None => write!(out, "<span style=\"{FONT}font-size:16px;font-weight:bold;color:#111827;\">{title}</span>"),
    };
    let _ = write!(
        out,
        "<div style=\"{FONT}font-size:13px;color:#4b5563;padding-top:4px;\">{}</div>",
        escape(&facts(doc, labels, today).join(" · "))
    );
    if let Some(why) = why_line(doc, labels) {
        let _ =
            write!(out, "<div style=\"{FONT}font-size:12px;color:#6b7280;padding-top:2px;\">{}</div>", escape(&why));
    }
    if let Some(change) = &doc.change {
        let _ = write!(
            out,
            "<div style=\"{FONT}font-size:14px;color:#111827;padding-top:6px;\">{}</div>",
            escape(&change_line(change))
        );
    }
    if let Some(draft) = &doc.draft {
        let name = escape(&draft.title);
        let shown = href(&draft.url)
            .map_or_else(|| name.clone(), |link| format!("<a href=\"{link}\" style=\"color:#1d4ed8;\">{name}</a>"));
        let _ = write!(out, "<div style=\"{FONT}font-size:13px;color:#4b5563;padding-top:4px;\">Draft: {shown}</div>");
    }
    if let Some(change) = &doc.change {
        diff_html(&change.diff, out);
        if let Some(link) = change.url.as_ref().and_then(href) {
            let _ = write!(
                out,
                "<div style=\"{FONT}font-size:14px;padding-top:6px;\"><a href=\"{link}\" style=\"color:#1d4ed8;font-weight:bold;\">Read the full redline</a></div>"
            );
        }
    }
}

fn diff_html(diff: &str, out: &mut String) {
    let (lines, omitted) = diff_excerpt(diff, DIFF_EXCERPT_LINES);
    if lines.is_empty() {
        return;
    }
    out.push_str(
        "<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" \
         style=\"border-collapse:collapse;margin-top:8px;border:1px solid #e5e7eb;\">",
    );
    for (kind, line) in &lines {
        let text = escape(line);
        let (style, cell) = match kind {
            LineKind::Added => (
                "background-color:#e6ffec;color:#116329;",
                format!("<ins style=\"text-decoration:none;\">{text}</ins>"),
            ),
            LineKind::Removed => (
                "background-color:#ffebe9;color:#a40e26;",
                format!("<del style=\"text-decoration:none;\">{text}</del>"),
            ),
            LineKind::Hunk => ("background-color:#f3f4f6;color:#6b7280;", text),
            LineKind::Context => ("background-color:#ffffff;color:#374151;", text),
        };
        let _ = write!(
            out,
            "<tr><td style=\"{MONO}{style}padding:1px 6px;white-space:pre-wrap;word-break:break-word;\">{cell}</td></tr>"
        );
    }
    if omitted > 0 {
        let _ = write!(
            out,
            "<tr><td style=\"{FONT}font-size:12px;color:#6b7280;padding:2px 6px;\">… {omitted} more lines</td></tr>"
        );
    }
    out.push_str("</table>");
}

/// A draft in "Comment deadlines soon": one line with the deadline first.
pub(crate) fn deadline_text(event: &Event, today: Date, out: &mut String) {
    let Some(doc) = event.document() else { return };
    if let Some(deadline) = doc.document.deadline {
        let title = header_text(&doc.document.title, 300);
        let _ = writeln!(out, "* {}: {title}\n  {}", deadline_phrase(deadline, today), doc.document.url);
    }
}

/// [`deadline_text`] as an HTML row.
pub(crate) fn deadline_html(event: &Event, today: Date, out: &mut String) {
    let Some(doc) = event.document() else { return };
    let Some(deadline) = doc.document.deadline else { return };
    let title = escape(&doc.document.title);
    let shown = href(&doc.document.url)
        .map_or_else(|| title.clone(), |link| format!("<a href=\"{link}\" style=\"color:#1d4ed8;\">{title}</a>"));
    let _ = writeln!(
        out,
        "<tr><td style=\"{FONT}font-size:14px;color:#111827;padding:4px 0;\">\
         <span style=\"font-weight:bold;color:#b45309;\">{}</span> {shown}</td></tr>",
        escape(&deadline_phrase(deadline, today))
    );
}

/// A section heading row ("New", "Comment deadlines soon", a topic label), escaped.
pub(crate) fn heading_html(text: &str, size_px: u8, out: &mut String) {
    let _ = writeln!(
        out,
        "<tr><td style=\"{FONT}font-size:{size_px}px;font-weight:bold;color:#111827;padding:16px 0 4px 0;\">{}</td></tr>",
        escape(text)
    );
}

/// A line of explanation under a heading, escaped.
pub(crate) fn note_html(text: &str, out: &mut String) {
    let _ = writeln!(
        out,
        "<tr><td style=\"{FONT}font-size:13px;color:#4b5563;padding:0 0 4px 0;\">{}</td></tr>",
        escape(text)
    );
}

/// The full HTML document around `rows` (`<tr>` elements): a centred 640px table.
pub(crate) fn page_html(title: &str, intro: &str, rows: &str, footer: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
         <title>{title}</title></head>\n<body style=\"margin:0;padding:0;background-color:#f3f4f6;\">\n\
         <table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" style=\"background-color:#f3f4f6;\">\
         <tr><td align=\"center\" style=\"padding:16px;\">\n\
         <table role=\"presentation\" width=\"640\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" \
         style=\"width:640px;max-width:100%;background-color:#ffffff;border:1px solid #e5e7eb;\">\
         <tr><td style=\"padding:16px 24px;\">\n\
         <table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\">\n\
         <tr><td style=\"{FONT}font-size:20px;font-weight:bold;color:#111827;\">{title}</td></tr>\n\
         <tr><td style=\"{FONT}font-size:14px;color:#4b5563;padding-top:4px;\">{intro}</td></tr>\n\
         {rows}\
         <tr><td style=\"{FONT}font-size:12px;color:#9ca3af;padding-top:24px;border-top:1px solid #e5e7eb;\">{footer}</td></tr>\n\
         </table></td></tr></table>\n</td></tr></table>\n</body></html>\n",
        title = escape(title),
        intro = escape(intro),
        footer = escape(footer),
    )
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    #[rstest]
    #[case::script("<script>alert('x')</script>", "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;")]
    #[case::attribute("\" onmouseover=\"x", "&quot; onmouseover=&quot;x")]
    #[case::entity("R&D 个人信息", "R&amp;D 个人信息")]
    fn escape_neutralises_markup(#[case] raw: &str, #[case] expected: &str) {
        assert_eq!(escape(raw), expected);
    }

    #[rstest]
    #[case::crlf("Rules\r\nBcc: victim@example.org", 100, "Rules Bcc: victim@example.org")]
    #[case::unicode_breaks("a\u{2028}b\u{85}c\td", 100, "a b c d")]
    #[case::truncated("Measures for the Administration of Generative AI Services", 20, "Measures for the Ad…")]
    #[case::cjk_counts_chars("个人信息出境标准合同办法", 6, "个人信息出…")]
    fn header_text_is_one_safe_line(#[case] raw: &str, #[case] max: usize, #[case] expected: &str) {
        assert_eq!(header_text(raw, max), expected);
    }

    #[rstest]
    #[case::http("https://www.cac.gov.cn/a?b=1&c=2", Some("https://www.cac.gov.cn/a?b=1&amp;c=2"))]
    #[case::javascript("javascript:alert(1)", None)]
    #[case::data("data:text/html,<b>x</b>", None)]
    fn only_http_urls_become_links(#[case] raw: &str, #[case] expected: Option<&str>) {
        assert_eq!(href(&Url::parse(raw).unwrap()).as_deref(), expected);
    }

    #[test]
    fn excerpt_skips_the_file_header_and_counts_the_rest() {
        let diff = "--- a\n+++ b\n@@ -1,3 +1,3 @@\n 第一条\n-old\n+new\n--- not a header\n";
        let (lines, omitted) = diff_excerpt(diff, 4);
        let kinds: Vec<LineKind> = lines.iter().map(|(k, _)| *k).collect();
        assert_eq!(kinds, [LineKind::Hunk, LineKind::Context, LineKind::Removed, LineKind::Added]);
        assert_eq!(omitted, 1);
    }

    #[rstest]
    #[case("2026-12-01", "2026-11-22", "2026-12-01 (in 9 days)")]
    #[case("2026-11-23", "2026-11-22", "2026-11-23 (tomorrow)")]
    #[case("2026-11-22", "2026-11-22", "2026-11-22 (today)")]
    #[case("2026-11-01", "2026-11-22", "2026-11-01 (passed)")]
    fn deadlines_read_relative_to_today(#[case] deadline: &str, #[case] today: &str, #[case] expected: &str) {
        assert_eq!(deadline_phrase(deadline.parse().unwrap(), today.parse().unwrap()), expected);
    }
}
