//! `regwatch classify [FILE]`: topics, stage and deadline of a text, to tune a topic pack.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use serde::Serialize;

use super::context;
use super::output::{print_json, say};
use crate::classify;

#[derive(Debug, clap::Args)]
pub struct ClassifyArgs {
    /// The text (first line is the title); standard input when absent.
    pub file: Option<PathBuf>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Serialize)]
struct ClassifyJson {
    topics: Vec<String>,
    stage: &'static str,
    deadline: Option<String>,
}

pub(super) fn run(config: Option<&Path>, args: &ClassifyArgs) -> anyhow::Result<ExitCode> {
    let config = context::load_config(config)?;
    let pack = context::topic_pack(&config)?;
    let text = if let Some(path) = &args.file {
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?
    } else {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text).context("cannot read standard input")?;
        text
    };
    let (title, body) = text.split_once('\n').unwrap_or((text.as_str(), ""));
    let found = classify::classify(&pack, title.trim(), body, None);
    let json = ClassifyJson {
        topics: found.topics,
        stage: found.stage.as_str(),
        deadline: found.deadline.map(|d| d.to_string()),
    };
    if args.json {
        print_json(&json)?;
    } else {
        say!("topics:   {}", if json.topics.is_empty() { "-".to_owned() } else { json.topics.join(", ") })?;
        say!("stage:    {}", json.stage)?;
        say!("deadline: {}", json.deadline.as_deref().unwrap_or("-"))?;
    }
    Ok(ExitCode::SUCCESS)
}
