//! `regwatch diff DOC [--from N] [--to N] [--format unified|json|html]`.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use serde::Serialize;

use super::context;
use super::docs::find;
use super::output::{print_json, write_text};
use crate::diff::{self, Comparison};
use crate::escape::Escaped;
use crate::ids::{DocId, VersionNo};
use crate::store::{DocumentRow, Store, StoredVersion};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DiffFormat {
    Unified,
    Json,
    Html,
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
}

/// The contract's `diff --format json` document.
#[derive(Debug, Serialize)]
struct DiffJson<'a> {
    document: i64,
    from_document: i64,
    from_version: i64,
    to_version: i64,
    #[serde(flatten)]
    comparison: &'a Comparison,
}

pub(super) fn run(config: Option<&Path>, args: &DiffArgs) -> anyhow::Result<ExitCode> {
    let config = context::load_config(config)?;
    let store = context::open_store_read_only(&config)?;
    let doc = find(&store, &args.doc)?;
    let (from, to) = pick_versions(&store, &doc, args)?;
    let comparison = diff::compare(from.blocks.lines(), to.blocks.lines());
    match args.format {
        DiffFormat::Json => print_json(&DiffJson {
            document: doc.id,
            from_document: from.doc.0,
            from_version: from.version.0,
            to_version: to.version.0,
            comparison: &comparison,
        })?,
        DiffFormat::Unified => {
            // The labels become `---`/`+++` header lines: a line break in a title must not end one.
            let from_label = format!("{} (#{} v{})", Escaped(&from.title), from.doc, from.version);
            let to_label = format!("{} (#{} v{})", Escaped(&to.title), to.doc, to.version);
            write_text(&diff::render::unified(&comparison, &from_label, &to_label))?;
        }
        DiffFormat::Html => write_text(&diff::render::html(&comparison, &doc.title))?,
    }
    Ok(ExitCode::SUCCESS)
}

/// The two versions to compare: as asked, else the last two, else (a final's first version)
/// the last version of its draft.
fn pick_versions(store: &Store, doc: &DocumentRow, args: &DiffArgs) -> anyhow::Result<(StoredVersion, StoredVersion)> {
    let id = DocId(doc.id);
    let to_no = args.to.unwrap_or(doc.versions);
    let to = load(store, id, to_no)?;
    if let Some(from_no) = args.from {
        return Ok((load(store, id, from_no)?, to));
    }
    if to_no > 1 {
        return Ok((load(store, id, to_no - 1)?, to));
    }
    if let Some(draft) = doc.draft_id.and_then(|d| store.document(DocId(d)).ok().flatten()) {
        return Ok((load(store, DocId(draft.id), draft.versions)?, to));
    }
    anyhow::bail!("document {} has only one version and no linked draft: nothing to compare yet", doc.id)
}

fn load(store: &Store, doc: DocId, version: i64) -> anyhow::Result<StoredVersion> {
    store
        .version(doc, VersionNo(version))?
        .with_context(|| format!("document {doc} has no version {version} (see `docs history {doc}`)"))
}
