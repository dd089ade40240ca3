//! `regwatch demo`: the whole job offline. Serves the bundled sample site on loopback, polls it
//! into a temporary database (a baseline pass, the built-in edit, a second pass) and prints what
//! changed, with the structural summary and the diff.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;

use super::check::{Checked, check_all};
use super::output::{StdoutError, say, topic_list};
use crate::config;
use crate::demo::{DemoSite, serve};
use crate::diff;
use crate::escape::Escaped;
use crate::pipeline::Deps;
use crate::redact;

#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Keep the demo's config and database in this folder instead of a temporary one.
    #[arg(long, value_name = "DIR")]
    pub keep: Option<PathBuf>,
}

pub(super) fn run(args: &DemoArgs) -> anyhow::Result<ExitCode> {
    // A fresh directory of our own (random name, 0700, created, never an existing one that
    // someone else could have planted symlinks in), removed when `scratch` drops.
    let scratch;
    let dir = if let Some(dir) = &args.keep {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        dir.clone()
    } else {
        scratch = tempfile::Builder::new()
            .prefix("regwatch-demo-")
            .tempdir()
            .context("cannot create a private temporary directory for the demo")?;
        scratch.path().to_path_buf()
    };
    super::context::runtime()?.block_on(demo(&dir)).map(|()| ExitCode::SUCCESS)
}

/// Writes `contents` to `path` with `mode`, refusing to follow a symlink planted there and
/// narrowing the mode of a file that already existed.
fn write_file(path: &Path, contents: &[u8], mode: u32) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(mode).custom_flags(libc::O_NOFOLLOW);
        let mut file = options.open(path)?;
        file.set_permissions(std::fs::Permissions::from_mode(mode))?;
        file.write_all(contents)
    }
    #[cfg(not(unix))]
    {
        let _ = mode;
        options.open(path)?.write_all(contents)
    }
}

async fn demo(dir: &Path) -> anyhow::Result<()> {
    let server = serve(Arc::new(DemoSite::default())).await.context("cannot start the demo server on 127.0.0.1")?;
    let base = server.base_url();
    say!("regwatch demo: serving a sample site at {base}")?;
    let config_path = dir.join("regwatch.toml");
    write_file(&config_path, demo_config(&base).as_bytes(), 0o644).context("cannot write the demo config")?;
    write_file(&dir.join("hook.secret"), DEMO_SECRET.as_bytes(), 0o600)
        .context("cannot write the demo webhook secret")?;
    let db = dir.join("regwatch.db");
    if db.exists() {
        std::fs::remove_file(&db).context("cannot reset the demo database")?;
    }
    let loaded = config::load(&config_path, &super::context::builtin_topics())
        .map_err(|e| anyhow::anyhow!("demo config is invalid:\n{e}"))?;
    let config = Arc::new(loaded.config);
    let deps = super::context::deps(Arc::clone(&config))?;
    let courier = super::context::courier(&config, &deps.store, &deps.topics)?;

    say!("\n== pass 1: baseline (the first pass over a source alerts nobody)")?;
    let first = check_all(&deps, config.sources.clone(), false).await;
    print_pass(&first)?;
    courier.deliver_due().await?;

    server.site.edit();
    say!("\n== the site changes: a draft regulation is amended in place (Article 5 changed, a new")?;
    say!("   Article 8 inserted), a new notice appears, a blog post is revised, and every page's")?;
    say!("   view counter and 'last updated' stamp moves (noise that must not count)")?;

    say!("\n== pass 2")?;
    let second = check_all(&deps, config.sources.clone(), false).await;
    print_pass(&second)?;
    for change in second.iter().flat_map(|r| r.changes().iter().copied()) {
        print_change(&deps, change)?;
    }
    let round = courier.deliver_due().await?;
    print_webhooks(&server.site.received(), round.delivered)?;
    say!("\nTry it on your own sources: see config/regwatch.toml and `regwatch --help`.")?;
    Ok(())
}

/// The demo subscriber's signing secret (Standard Webhooks form).
const DEMO_SECRET: &str = "whsec_ZGVtby1zZWNyZXQtZm9yLXJlZ3dhdGNo";

fn print_webhooks(received: &[crate::demo::ReceivedWebhook], delivered: usize) -> Result<(), StdoutError> {
    say!("\n== alerts: {delivered} signed webhooks delivered to the demo receiver (the baseline sent none)")?;
    for hook in received {
        let body: serde_json::Value = serde_json::from_str(&hook.body).unwrap_or_default();
        say!(
            "  {}  {}  {}",
            body["type"].as_str().unwrap_or("?"),
            hook.id,
            Escaped(body["data"]["document"]["title"].as_str().unwrap_or("?"))
        )?;
    }
    if let Some(first) = received.iter().find(|h| h.body.contains("document.changed")) {
        let mut body: serde_json::Value = serde_json::from_str(&first.body).unwrap_or_default();
        if let Some(diff) = body.pointer_mut("/data/change/diff") {
            *diff = serde_json::Value::String("<unified diff, as above>".into());
        }
        say!("\n   webhook-id: {}\n   webhook-signature: {}", first.id, first.signature.as_deref().unwrap_or("-"))?;
        for line in serde_json::to_string_pretty(&body).unwrap_or_default().lines() {
            say!("   {line}")?;
        }
    }
    Ok(())
}

fn demo_config(base: &str) -> String {
    format!(
        r#"# Written by `regwatch demo`: three sources on the demo site.
[storage]
database = "regwatch.db"

[fetch]
per_host_delay = "0s"
per_host_concurrency = 4
allow_private_networks = true

[[source]]
id = "demo-blog"
name = "China Regulation Watch (WordPress feed, posts followed)"
kind = "feed"
url = "{base}/feed.xml"
follow = true
[source.article]
content = "article"
ignore = ["div.sharedaddy"]
ignore_text = ['^Last updated: ']

[[source]]
id = "demo-notices"
name = "示例网信网 通知公告 (GBK list page)"
kind = "html-list"
url = "{base}/notices/index.htm"
[source.list]
item = "ul.list > li"
title = "a@title"
link = "a"
date = "span.date"
[source.article]
content = "div.article"
ignore = ["div.share"]
ignore_text = ['浏览次数']

[[source]]
id = "demo-faq"
name = "Data export FAQ (page watched whole)"
kind = "page"
url = "{base}/faq.html"
[source.article]
content = "div.entry"
ignore_text = ['^Page generated at ']

[[subscriber]]
id = "demo-newsletter"
webhook = "{base}/hook"
secret_file = "hook.secret"
topics = ["*"]
schedule = "immediate"
"#
    )
}

fn print_pass(reports: &[Checked]) -> Result<(), StdoutError> {
    for r in reports {
        let what = match r.error() {
            Some(e) => format!("FAILED: {}", Escaped(redact::text(e))),
            None if r.baseline => format!("{} documents recorded", r.new_documents),
            None => format!(
                "{} requests answered 304, {} pages fetched, {} new documents, {} new versions",
                r.not_modified,
                r.fetched,
                r.new_documents,
                r.new_versions.saturating_sub(r.new_documents)
            ),
        };
        say!("  {:<14} {what}", r.source())?;
    }
    Ok(())
}

fn print_change(deps: &Deps, id: crate::ids::ChangeId) -> anyhow::Result<()> {
    let store = &deps.store;
    let Some(change) = store.change(id)? else { return Ok(()) };
    let Some(doc) = store.document(change.doc_id)? else { return Ok(()) };
    say!("\n-- {}: {}", change.event, Escaped(&doc.title))?;
    say!("   {}", Escaped(redact::text(&doc.url)))?;
    say!(
        "   stage: {}  deadline: {}  topics: {}",
        doc.stage.as_str(),
        doc.deadline.map_or_else(|| "-".to_owned(), |d| d.to_string()),
        topic_list(&doc.topics)
    )?;
    say!("   summary: {}", change.summary)?;
    if let (Some(from_doc), Some(from_version)) = (change.from_doc_id, change.from_version) {
        let old = store.version(from_doc, from_version)?;
        let new = store.version(change.doc_id, change.to_version)?;
        if let (Some(old), Some(new)) = (old, new) {
            let comparison = diff::compare(old.blocks.lines(), new.blocks.lines());
            let rendered = diff::render::unified(
                &comparison,
                &format!("version {from_version}"),
                &format!("version {}", change.to_version),
            );
            for line in rendered.lines() {
                say!("   {line}")?;
            }
        }
    }
    Ok(())
}
