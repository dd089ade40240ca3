//! `regwatch docs list|show|history`.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;

use super::context;
use super::output::{StdoutError, clip, print_json, print_table, say, topic_list};
use crate::escape::Escaped;
use crate::ids::{SourceId, TopicId};
use crate::redact;
use crate::store::{DocFilter, DocumentRow, Store};

#[derive(Debug, clap::Subcommand)]
pub enum DocsCommand {
    /// Documents, most recently changed first.
    List {
        /// Only documents tagged with this topic id.
        #[arg(long)]
        topic: Option<String>,
        /// Only documents changed on or after this date (YYYY-MM-DD) or timestamp.
        #[arg(long)]
        since: Option<String>,
        /// Only documents of this source.
        #[arg(long)]
        source: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// One document: where it is, what it is, its family.
    Show {
        /// Document id or URL.
        doc: String,
        #[arg(long)]
        json: bool,
    },
    /// Every version of a document.
    History {
        doc: String,
        #[arg(long)]
        json: bool,
    },
}

pub(super) fn run(config: Option<&Path>, cmd: DocsCommand) -> anyhow::Result<ExitCode> {
    let store = context::open_database_read_only(config)?;
    match cmd {
        DocsCommand::List { topic, since, source, json } => {
            let since = since.as_deref().map(parse_since).transpose()?;
            let filter = DocFilter { topic: topic.map(TopicId), since, source: source.map(SourceId) };
            let mut docs = store.documents(&filter)?;
            if json {
                docs.iter_mut().for_each(mask_url);
                print_json(&docs)?;
            } else {
                print_docs(&docs)?;
            }
        }
        DocsCommand::Show { doc, json } => {
            let mut row = find(&store, &doc)?;
            if json {
                mask_url(&mut row);
                print_json(&row)?;
            } else {
                print_doc(&store, &row)?;
            }
        }
        DocsCommand::History { doc, json } => {
            let row = find(&store, &doc)?;
            let history = store.history(row.id)?;
            if json {
                print_json(&history)?;
            } else {
                let rows: Vec<Vec<String>> = history
                    .iter()
                    .map(|v| {
                        vec![
                            v.version.to_string(),
                            v.fetched_at.to_string(),
                            format!("+{} -{}", v.added_lines, v.removed_lines),
                            v.sha256.as_deref().map_or("-", |h| &h[..12.min(h.len())]).to_owned(),
                        ]
                    })
                    .collect();
                print_table(&["VERSION", "FETCHED", "LINES", "SHA-256"], &rows)?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A page source's document URL is the source URL, credentials and all: shown masked.
fn mask_url(row: &mut DocumentRow) {
    if let std::borrow::Cow::Owned(masked) = redact::text(&row.url) {
        row.url = masked;
    }
}

pub(super) fn find(store: &Store, key: &str) -> anyhow::Result<DocumentRow> {
    store.find_document(key)?.with_context(|| format!("no document `{key}` (give an id from `docs list` or a URL)"))
}

/// `2026-11-01` (midnight UTC) or a full RFC 3339 timestamp.
fn parse_since(text: &str) -> anyhow::Result<jiff::Timestamp> {
    if let Ok(ts) = text.parse::<jiff::Timestamp>() {
        return Ok(ts);
    }
    let date: jiff::civil::Date =
        text.parse().with_context(|| format!("--since `{text}`: expected YYYY-MM-DD or an RFC 3339 timestamp"))?;
    Ok(date.to_zoned(jiff::tz::TimeZone::UTC)?.timestamp())
}

fn print_docs(docs: &[DocumentRow]) -> Result<(), StdoutError> {
    let rows: Vec<Vec<String>> = docs
        .iter()
        .map(|d| {
            vec![
                d.id.to_string(),
                d.source_id.to_string(),
                d.stage.as_str().to_owned(),
                d.versions.to_string(),
                d.last_changed.to_string().get(..10).unwrap_or_default().to_owned(),
                clip(&d.title, 60),
            ]
        })
        .collect();
    print_table(&["ID", "SOURCE", "STAGE", "VERS", "CHANGED", "TITLE"], &rows)
}

fn print_doc(store: &Store, d: &DocumentRow) -> anyhow::Result<()> {
    say!("{}", Escaped(&d.title))?;
    say!("  id:        {}", d.id)?;
    say!("  source:    {}", d.source_id)?;
    say!("  url:       {}", Escaped(redact::text(&d.url)))?;
    say!("  stage:     {}", d.stage.as_str())?;
    say!("  deadline:  {}", d.deadline.map_or_else(|| "-".to_owned(), |d| d.to_string()))?;
    say!("  topics:    {}", if d.topics.is_empty() { "-".to_owned() } else { topic_list(&d.topics) })?;
    say!("  published: {}", d.published.map_or_else(|| "-".to_owned(), |d| d.to_string()))?;
    say!("  versions:  {} (first seen {}, last changed {})", d.versions, d.first_seen, d.last_changed)?;
    if let Some(id) = d.draft_id
        && let Some(draft) = store.document(id)?
    {
        say!(
            "  family:    final of draft #{} {} ({})",
            draft.id,
            Escaped(&draft.title),
            Escaped(redact::text(&draft.url))
        )?;
    }
    for final_ in store.finals_of(d.id)? {
        say!(
            "  family:    draft of final #{} {} ({})",
            final_.id,
            Escaped(&final_.title),
            Escaped(redact::text(&final_.url))
        )?;
    }
    if let Some(id) = d.parent_id
        && let Some(parent) = store.document(id)?
    {
        let format = d.format.as_deref().unwrap_or("file");
        say!(
            "  attached:  {format} attachment of #{} {} ({})",
            parent.id,
            Escaped(&parent.title),
            Escaped(redact::text(&parent.url))
        )?;
    }
    if let Some(why) = &d.unreadable {
        say!("  text:      not read: {}", Escaped(why))?;
    }
    Ok(())
}
