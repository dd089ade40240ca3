//! `regwatch diff DOC [--from N] [--to N] [--format unified|json|html|docx] [--output FILE]`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use serde::Serialize;

use super::context;
use super::docs::find;
use super::output::{print_json, write_bytes, write_text};
use crate::diff::{self, Comparison};
use crate::escape::Escaped;
use crate::ids::{DocId, VersionNo};
use crate::store::{DocumentRow, Store, StoredVersion};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DiffFormat {
    Unified,
    Json,
    Html,
    /// A Word document with tracked changes (needs `--output`).
    Docx,
}

#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// Document id or URL.
    pub doc: String,
    /// Older version (default: the one before `--to`).
    #[arg(long)]
    pub from: Option<i64>,
    /// Newer version (default: the latest).
    #[arg(long)]
    pub to: Option<i64>,
    #[arg(long, value_enum, default_value_t = DiffFormat::Unified)]
    pub format: DiffFormat,
    /// Write to this file instead of stdout (required for `--format docx`).
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// The contract's `diff --format json` document.
#[derive(Debug, Serialize)]
struct DiffJson<'a> {
    document: DocId,
    from_document: DocId,
    from_version: VersionNo,
    to_version: VersionNo,
    #[serde(flatten)]
    comparison: &'a Comparison,
}

pub(super) fn run(config: Option<&Path>, args: &DiffArgs) -> anyhow::Result<ExitCode> {
    if args.format == DiffFormat::Docx && args.output.is_none() {
        anyhow::bail!("--format docx writes a Word file: give it a name with --output FILE");
    }
    let store = context::open_database_read_only(config)?;
    let doc = find(&store, &args.doc)?;
    let (from, to) = pick_versions(&store, &doc, args)?;
    if args.format == DiffFormat::Docx {
        let bytes = crate::web::redline_docx(&doc, &from, &to)?;
        return write_output(args.output.as_deref(), &bytes);
    }
    let comparison = diff::compare(from.blocks.lines(), to.blocks.lines());
    let text = match args.format {
        DiffFormat::Json => {
            let json = DiffJson {
                document: doc.id,
                from_document: from.doc,
                from_version: from.version,
                to_version: to.version,
                comparison: &comparison,
            };
            if args.output.is_none() {
                print_json(&json)?;
                return Ok(ExitCode::SUCCESS);
            }
            serde_json::to_string_pretty(&json)? + "\n"
        }
        DiffFormat::Unified => {
            // The labels become `---`/`+++` header lines: a line break in a title must not end one.
            let from_label = format!("{} (#{} v{})", Escaped(&from.title), from.doc, from.version);
            let to_label = format!("{} (#{} v{})", Escaped(&to.title), to.doc, to.version);
            diff::render::unified(&comparison, &from_label, &to_label)
        }
        DiffFormat::Html | DiffFormat::Docx => diff::render::html(&comparison, &doc.title),
    };
    write_output(args.output.as_deref(), text.as_bytes())
}

/// Writes to `path`, or to stdout without one: text through the escaping writer, DOCX bytes
/// (not UTF-8) as they are.
fn write_output(path: Option<&Path>, bytes: &[u8]) -> anyhow::Result<ExitCode> {
    match path {
        Some(path) => std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))?,
        None => match std::str::from_utf8(bytes) {
            Ok(text) => write_text(text)?,
            Err(_) => write_bytes(bytes)?,
        },
    }
    Ok(ExitCode::SUCCESS)
}

/// The two versions to compare: as asked, else the last two, else (a final's first version)
/// the last version of its draft.
fn pick_versions(store: &Store, doc: &DocumentRow, args: &DiffArgs) -> anyhow::Result<(StoredVersion, StoredVersion)> {
    let id = doc.id;
    let to_no = args.to.unwrap_or(doc.versions);
    let to = load(store, id, to_no)?;
    if let Some(from_no) = args.from {
        return Ok((load(store, id, from_no)?, to));
    }
    if to_no > 1 {
        return Ok((load(store, id, to_no - 1)?, to));
    }
    if let Some(draft_id) = doc.draft_id
        && let Some(draft) = store.document(draft_id)?
    {
        return Ok((load(store, draft.id, draft.versions)?, to));
    }
    anyhow::bail!("document {} has only one version and no linked draft: nothing to compare yet", doc.id)
}

fn load(store: &Store, doc: DocId, version: i64) -> anyhow::Result<StoredVersion> {
    store
        .version(doc, VersionNo(version))?
        .with_context(|| format!("document {doc} has no version {version} (see `docs history {doc}`)"))
}
