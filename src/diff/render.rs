//! Renderings of a [`Comparison`]: a unified diff of block text followed by the structural
//! changes (for the CLI, plain-text email and the webhook's `diff` field), and a standalone HTML
//! fragment with `<ins>`/`<del>` and inline styles only (for email clients that strip `<style>`).
//! JSON is `serde_json` of the `Comparison` itself.
//!
//! Every string that came from a scraped page is escaped in HTML. It does not compute anything.

use std::fmt::Write as _;

use super::{
    ArticleChange, ChangeKind, Comparison, HeadingChange, HeadingLevel, HunkLine, LineKind, Segment, SegmentKind,
};

/// `diff -u` style text, then a "Structure" section listing heading and article changes with
/// wdiff-style `[-deleted-]{+inserted+}` markers inside amended articles.
pub fn unified(comparison: &Comparison, from_label: &str, to_label: &str) -> String {
    let mut out = String::new();
    if comparison.hunks.is_empty() {
        let _ = writeln!(out, "No changes between {from_label} and {to_label}.");
        return out;
    }
    let _ = writeln!(out, "--- {from_label}\n+++ {to_label}");
    for hunk in &comparison.hunks {
        let _ = writeln!(out, "@@ -{},{} +{},{} @@", hunk.old_start, hunk.old_len, hunk.new_start, hunk.new_len);
        for line in &hunk.lines {
            let _ = writeln!(out, "{}{}", sign(line.kind), line.text);
        }
    }
    let _ = write!(out, "\nSummary: {}\n", comparison.summary);
    for heading in &comparison.headings {
        let _ = writeln!(out, "  {}", heading_title(heading));
    }
    for article in &comparison.articles {
        let _ = writeln!(out, "  {}", article_title(article));
        if !article.inline.is_empty() {
            for line in wdiff(&article.inline).lines() {
                let _ = writeln!(out, "      {line}");
            }
        }
    }
    out
}

/// A standalone HTML fragment: title, summary, structural changes, then the line diff.
pub fn html(comparison: &Comparison, title: &str) -> String {
    let mut out = String::new();
    out.push_str(
        "<div style=\"font-family:Arial,Helvetica,sans-serif;font-size:14px;line-height:1.5;color:#1f2328\">\n",
    );
    let _ = writeln!(out, "<h2 style=\"font-size:18px;margin:0 0 8px\">{}</h2>", escape(title));
    let _ = writeln!(out, "<p style=\"margin:0 0 12px;font-weight:bold\">{}</p>", escape(&comparison.summary));
    if !comparison.headings.is_empty() || !comparison.articles.is_empty() {
        out.push_str("<ul style=\"margin:0 0 16px;padding-left:20px\">\n");
        for heading in &comparison.headings {
            let _ = writeln!(out, "<li>{}</li>", escape(&heading_title(heading)));
        }
        for article in &comparison.articles {
            let _ = write!(out, "<li>{}", escape(&article_title(article)));
            if !article.inline.is_empty() {
                let _ = write!(
                    out,
                    "<div style=\"margin:4px 0 8px;white-space:pre-wrap\">{}</div>",
                    segments_html(&article.inline)
                );
            }
            out.push_str("</li>\n");
        }
        out.push_str("</ul>\n");
    }
    if !comparison.hunks.is_empty() {
        out.push_str("<table style=\"border-collapse:collapse;width:100%;font-family:Consolas,Menlo,monospace;font-size:13px\">\n");
        for hunk in &comparison.hunks {
            let _ = writeln!(
                out,
                "<tr><td colspan=\"2\" style=\"background:#ddf4ff;color:#57606a;padding:2px 6px\">@@ -{},{} +{},{} @@</td></tr>",
                hunk.old_start, hunk.old_len, hunk.new_start, hunk.new_len
            );
            for line in &hunk.lines {
                out.push_str(&line_html(line));
            }
        }
        out.push_str("</table>\n");
    }
    out.push_str("</div>\n");
    out
}

fn sign(kind: LineKind) -> char {
    match kind {
        LineKind::Context => ' ',
        LineKind::Added => '+',
        LineKind::Removed => '-',
    }
}

fn line_html(line: &HunkLine) -> String {
    let background = match line.kind {
        LineKind::Context => "#ffffff",
        LineKind::Added => "#e6ffec",
        LineKind::Removed => "#ffebe9",
    };
    let text = if line.inline.is_empty() { escape(&line.text) } else { segments_html(&line.inline) };
    format!(
        "<tr style=\"background:{background}\"><td style=\"width:1em;padding:0 4px;color:#57606a;vertical-align:top\">{}</td><td style=\"padding:0 6px;white-space:pre-wrap;word-break:break-all\">{text}</td></tr>\n",
        sign(line.kind)
    )
}

fn segments_html(segments: &[Segment]) -> String {
    segments
        .iter()
        .map(|s| match s.kind {
            SegmentKind::Equal => escape(&s.text),
            SegmentKind::Insert => {
                format!("<ins style=\"background:#abf2bc;text-decoration:none\">{}</ins>", escape(&s.text))
            }
            SegmentKind::Delete => format!("<del style=\"background:#ffc1c0\">{}</del>", escape(&s.text)),
        })
        .collect()
}

/// `[-deleted-]{+inserted+}`, the notation of GNU wdiff.
fn wdiff(segments: &[Segment]) -> String {
    segments
        .iter()
        .map(|s| match s.kind {
            SegmentKind::Equal => s.text.clone(),
            SegmentKind::Insert => format!("{{+{}+}}", s.text),
            SegmentKind::Delete => format!("[-{}-]", s.text),
        })
        .collect()
}

pub(crate) fn article_title(change: &ArticleChange) -> String {
    let mut title = match (&change.from, change.kind) {
        (Some(from), ChangeKind::Amended) => format!("Article {} amended (was Article {from})", change.number),
        (Some(from), kind) => format!("Article {} {} (was Article {from})", change.number, kind.as_str()),
        (None, kind) => format!("Article {} {}", change.number, kind.as_str()),
    };
    if !change.items.is_empty() {
        let items: Vec<String> = change.items.iter().map(|i| format!("{} {}", i.label, i.kind.as_str())).collect();
        let _ = write!(title, "; items: {}", items.join(", "));
    }
    title
}

pub(crate) fn heading_title(change: &HeadingChange) -> String {
    let level = match change.level {
        HeadingLevel::Chapter => "Chapter",
        HeadingLevel::Section => "Section",
    };
    let was = change.from.as_ref().map(|f| format!(" (was {level} {f})")).unwrap_or_default();
    format!("{level} {} {} {}{was}", change.number, change.title, change.kind.as_str())
}

/// Escapes text for HTML element content and double- or single-quoted attributes.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("<script>alert('x')</script>", "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;")]
    #[case("a & b \"c\"", "a &amp; b &quot;c&quot;")]
    #[case("第十二条", "第十二条")]
    fn escapes(#[case] input: &str, #[case] expected: &str) {
        assert_eq!(escape(input), expected);
    }
}
