//! Redlines: the diff page (`/documents/{id}/diff?from=N&to=M`: structural summary, each
//! changed article as an inline redline, then the full diff inline or side by side), the Word
//! redline with tracked changes (`redline.docx`, also `diff --format docx`), and a stored text
//! as evidence (`versions/{n}.txt`, the exact bytes whose SHA-256 is the stored hash).
//!
//! Not here: computing diffs (`diff`) or laying out the page (`templates/diff.html`).

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::IntoResponse;
use base64::Engine as _;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::WebState;
use super::pages::doc_id;
use super::reply::{Reply, WebError, page};
use super::view::{ArticleItem, Choice, DiffPage, Frame, HunkView, LineRow, Piece, SideCell, SideRow, when};
use crate::diff::{self, ChangeKind, Comparison, Hunk, HunkLine, LineKind, Segment, SegmentKind};
use crate::ids::{DocId, VersionNo};
use crate::store::{DocumentRow, Store, StoreError, StoredVersion, VersionRow};

/// `?from=N&to=M&from_doc=D&view=side`; every field optional.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct DiffQuery {
    from: Option<i64>,
    to: Option<i64>,
    from_doc: Option<i64>,
    #[serde(default)]
    view: String,
}

/// The two versions a redline compares, with what the page offers to compare instead.
struct Picked {
    doc: DocumentRow,
    from: StoredVersion,
    to: StoredVersion,
    from_history: Vec<VersionRow>,
    to_history: Vec<VersionRow>,
}

/// As asked; else the version before `to`; else, for a final's first version, its draft's
/// last (the rule `regwatch diff` follows).
fn pick(store: &Store, id: DocId, query: &DiffQuery) -> Result<Result<Picked, WebError>, StoreError> {
    let Some(doc) = store.document(id)? else {
        return Ok(Err(WebError::NotFound(format!("There is no document {}.", id.0))));
    };
    let to_no = query.to.unwrap_or(doc.versions);
    let from_doc = match (query.from_doc, query.from) {
        (Some(other), _) => DocId(other),
        (None, None) if to_no <= 1 && doc.draft_id.is_some() => doc.draft_id.unwrap_or(id),
        _ => id,
    };
    let from_no = match query.from {
        Some(n) => n,
        None if from_doc == id => to_no - 1,
        None => store.document(from_doc)?.map_or(0, |d| d.versions),
    };
    let missing = |doc: DocId, n: i64| {
        WebError::NotFound(format!(
            "Document {} has no version {n}; its versions are listed on /documents/{}.",
            doc.0, doc.0
        ))
    };
    let Some(to) = store.version(id, VersionNo(to_no))? else { return Ok(Err(missing(id, to_no))) };
    if from_no < 1 && from_doc == id {
        return Ok(Err(WebError::NotFound(format!(
            "Document {} has only one version and no linked draft: there is nothing to compare yet.",
            id.0
        ))));
    }
    let Some(from) = store.version(from_doc, VersionNo(from_no))? else { return Ok(Err(missing(from_doc, from_no))) };
    let to_history = store.history(id)?;
    let from_history = if from_doc == id { to_history.clone() } else { store.history(from_doc)? };
    Ok(Ok(Picked { doc, from, to, from_history, to_history }))
}

async fn picked(state: &WebState, id: &str, query: DiffQuery) -> Result<(Picked, DiffQuery), WebError> {
    let id = doc_id(id)?;
    state.db.read(move |store| Ok(pick(store, id, &query)?.map(|p| (p, query)))).await?
}

pub(crate) async fn diff_page(
    State(state): State<WebState>,
    Path(id): Path<String>,
    Query(query): Query<DiffQuery>,
) -> Reply {
    let (picked, query) = picked(&state, &id, query).await?;
    let Picked { doc, from, to, from_history, to_history } = picked;
    // Diffing a long law takes milliseconds of CPU: off the async workers.
    let (from_lines, to_lines) = (from.blocks.lines().to_vec(), to.blocks.lines().to_vec());
    let comparison = tokio::task::spawn_blocking(move || diff::compare(&from_lines, &to_lines))
        .await
        .map_err(|e| WebError::Internal(format!("diff failed: {e}")))?;
    let side_by_side = query.view == "side";
    let base =
        format!("/documents/{}/diff?from={}&to={}{}", doc.id, from.version, to.version, from_doc_param(&from, &to));
    page(&DiffPage {
        frame: Frame { title: format!("Redline: {}", doc.title), active: "documents" },
        title: doc.title.clone(),
        doc_href: format!("/documents/{}", doc.id),
        from_label: version_label(&from, &to),
        to_label: format!("version {}, fetched {}", to.version, when(to.fetched_at)),
        summary: comparison.summary.clone(),
        added: comparison.added_lines,
        removed: comparison.removed_lines,
        headings: comparison.headings.iter().map(diff::render::heading_title).collect(),
        articles: articles(&comparison),
        hunks: comparison.hunks.iter().map(hunk_view).collect(),
        side_by_side,
        inline_href: base.clone(),
        side_href: format!("{base}&view=side"),
        docx_href: base.replacen("/diff?", "/redline.docx?", 1),
        from_text_href: format!("/documents/{}/versions/{}.txt", from.doc, from.version),
        to_text_href: format!("/documents/{}/versions/{}.txt", to.doc, to.version),
        from_choices: version_choices(&from_history, from.version.0),
        to_choices: version_choices(&to_history, to.version.0),
        from_doc: (from.doc != to.doc).then_some(from.doc.0),
    })
}

fn from_doc_param(from: &StoredVersion, to: &StoredVersion) -> String {
    if from.doc == to.doc { String::new() } else { format!("&from_doc={}", from.doc) }
}

fn version_label(from: &StoredVersion, to: &StoredVersion) -> String {
    let draft = if from.doc == to.doc { String::new() } else { format!("draft (document {}) ", from.doc) };
    format!("{draft}version {}, fetched {}", from.version, when(from.fetched_at))
}

fn version_choices(history: &[VersionRow], selected: i64) -> Vec<Choice> {
    history
        .iter()
        .map(|v| Choice {
            value: v.version.to_string(),
            label: format!("version {} ({})", v.version, super::view::when(v.fetched_at)),
            selected: v.version.0 == selected,
        })
        .collect()
}

fn articles(comparison: &Comparison) -> Vec<ArticleItem> {
    comparison
        .articles
        .iter()
        .map(|a| ArticleItem {
            title: diff::render::article_title(a),
            class: match a.kind {
                ChangeKind::Added => "added",
                ChangeKind::Removed => "removed",
                ChangeKind::Amended => "amended",
                ChangeKind::Renumbered | ChangeKind::Moved => "moved",
            },
            pieces: pieces(&a.inline),
        })
        .collect()
}

fn pieces(segments: &[Segment]) -> Vec<Piece> {
    segments
        .iter()
        .map(|s| Piece {
            class: match s.kind {
                SegmentKind::Equal => "eq",
                SegmentKind::Insert => "ins",
                SegmentKind::Delete => "del",
            },
            text: s.text.clone(),
        })
        .collect()
}

fn line_pieces(line: &HunkLine) -> Vec<Piece> {
    if line.inline.is_empty() { vec![Piece { class: "eq", text: line.text.clone() }] } else { pieces(&line.inline) }
}

/// A hunk both ways: rows with old and new line numbers, and side-by-side pairs (a block of
/// removed lines next to the added lines that replaced it).
fn hunk_view(hunk: &Hunk) -> HunkView {
    let (mut old_no, mut new_no) = (hunk.old_start.max(1), hunk.new_start.max(1));
    let mut rows = Vec::with_capacity(hunk.lines.len());
    let mut side = Vec::new();
    let (mut lefts, mut rights): (Vec<SideCell>, Vec<SideCell>) = (Vec::new(), Vec::new());
    let flush = |lefts: &mut Vec<SideCell>, rights: &mut Vec<SideCell>, side: &mut Vec<SideRow>| {
        let n = lefts.len().max(rights.len());
        let (mut l, mut r) = (lefts.drain(..), rights.drain(..));
        for _ in 0..n {
            side.push(SideRow { left: l.next(), right: r.next() });
        }
    };
    for line in &hunk.lines {
        let pieces = line_pieces(line);
        match line.kind {
            LineKind::Context => {
                flush(&mut lefts, &mut rights, &mut side);
                let cell = |no| SideCell { no, class: "context", pieces: line_pieces(line) };
                side.push(SideRow { left: Some(cell(old_no)), right: Some(cell(new_no)) });
                rows.push(LineRow { sign: " ", class: "context", old_no: Some(old_no), new_no: Some(new_no), pieces });
                old_no += 1;
                new_no += 1;
            }
            LineKind::Removed => {
                if !rights.is_empty() {
                    flush(&mut lefts, &mut rights, &mut side);
                }
                lefts.push(SideCell { no: old_no, class: "removed", pieces: line_pieces(line) });
                rows.push(LineRow { sign: "−", class: "removed", old_no: Some(old_no), new_no: None, pieces });
                old_no += 1;
            }
            LineKind::Added => {
                rights.push(SideCell { no: new_no, class: "added", pieces: line_pieces(line) });
                rows.push(LineRow { sign: "+", class: "added", old_no: None, new_no: Some(new_no), pieces });
                new_no += 1;
            }
        }
    }
    flush(&mut lefts, &mut rights, &mut side);
    let header = format!("@@ −{},{} +{},{} @@", hunk.old_start, hunk.old_len, hunk.new_start, hunk.new_len);
    HunkView { header, rows, side }
}

pub(crate) async fn docx(
    State(state): State<WebState>,
    Path(id): Path<String>,
    Query(query): Query<DiffQuery>,
) -> Reply {
    let (picked, _) = picked(&state, &id, query).await?;
    let name = format!("regwatch-{}-v{}-v{}.docx", picked.doc.id, picked.from.version, picked.to.version);
    let bytes = tokio::task::spawn_blocking(move || redline_docx(&picked.doc, &picked.from, &picked.to))
        .await
        .map_err(|e| WebError::Internal(format!("redline failed: {e}")))?
        .map_err(|e| WebError::Internal(e.to_string()))?;
    let headers =
        [(header::CONTENT_TYPE, HeaderValue::from_static(DOCX_TYPE)), (header::CONTENT_DISPOSITION, attachment(&name))];
    Ok((headers, bytes).into_response())
}

const DOCX_TYPE: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

fn attachment(name: &str) -> HeaderValue {
    HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")).unwrap_or(HeaderValue::from_static("attachment"))
}

/// The Word redline of `from` → `to` (a version of `doc`, or of its draft).
pub fn redline_docx(doc: &DocumentRow, from: &StoredVersion, to: &StoredVersion) -> anyhow::Result<Vec<u8>> {
    let comparison = diff::compare_whole(from.blocks.lines(), to.blocks.lines());
    let redline = diff::docx::Redline {
        title: doc.title.clone(),
        from_label: version_label(from, to),
        to_label: format!("version {}, fetched {}", to.version, when(to.fetched_at)),
        changed_at: to.fetched_at,
        source_url: doc.url.clone(),
    };
    Ok(diff::docx::write(&comparison, &redline)?)
}

/// `versions/{n}.txt`: the stored text byte for byte, its SHA-256 in `Repr-Digest` (RFC 9530)
/// and the same digest in hex in `X-Regwatch-Hash`: the `sha256` that `docs history --json` and
/// the alerts' evidence carry, so anyone can check a copy against what was recorded.
pub(crate) async fn version_text(State(state): State<WebState>, Path((id, file)): Path<(String, String)>) -> Reply {
    let id = doc_id(&id)?;
    let number = file
        .strip_suffix(".txt")
        .and_then(|n| n.parse::<i64>().ok())
        .ok_or_else(|| WebError::NotFound(format!("There is no version file `{file}`: expected e.g. 3.txt.")))?;
    let stored = state.db.read(move |store| store.stored_text(id, VersionNo(number))).await?;
    let Some(stored) = stored else {
        return Err(WebError::NotFound(format!("Document {} has no version {number}.", id.0)));
    };
    let digest = Sha256::digest(stored.text.as_bytes());
    let repr = format!("sha-256=:{}:", base64::engine::general_purpose::STANDARD.encode(digest));
    let header_value = |text: &str| HeaderValue::from_str(text).unwrap_or(HeaderValue::from_static("-"));
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8")),
        (header::CONTENT_DISPOSITION, header_value(&format!("inline; filename=\"regwatch-{}-v{number}.txt\"", id.0))),
        (header::HeaderName::from_static("repr-digest"), header_value(&repr)),
        (header::HeaderName::from_static("x-regwatch-hash"), header_value(&hex::encode(digest))),
        (header::LAST_MODIFIED, header_value(&super::feeds::http_date(stored.fetched_at))),
    ];
    Ok((headers, stored.text).into_response())
}
