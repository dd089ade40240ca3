//! `regwatch classify [FILE]`: topics, stage and deadline of a text, with the evidence for each
//! topic (which terms fired, where, around what), to tune a topic pack. Output only: the
//! classification itself is `crate::classify`.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use jiff::civil::Date;
use serde::Serialize;

use super::context;
use super::output::print_json;
use crate::classify::{self, TopicEvidence, TopicPack};

#[derive(Debug, clap::Args)]
pub struct ClassifyArgs {
    /// The text (first line is the title); standard input when absent.
    pub file: Option<PathBuf>,
    /// Publication date (YYYY-MM-DD): the year of a deadline written without one ("by May 11").
    #[arg(long, value_name = "DATE")]
    pub published: Option<Date>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Serialize)]
struct ClassifyJson {
    topics: Vec<String>,
    stage: &'static str,
    deadline: Option<String>,
    /// Per topic given: why.
    evidence: BTreeMap<String, TopicJson>,
}

#[derive(Debug, Serialize)]
struct TopicJson {
    label: String,
    /// Strength relative to the threshold (1.0 is just enough).
    score: f32,
    /// The one-line summary alerts carry.
    why: String,
    terms: Vec<TermJson>,
}

#[derive(Debug, Serialize)]
struct TermJson {
    /// The keyword, or the pattern, that matched.
    term: String,
    in_title: u32,
    in_body: u32,
    /// `title` or `body`: where the snippet comes from.
    found_in: Option<&'static str>,
    snippet: Option<String>,
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
    let title = title.trim();
    let json = classification(&pack, title, body, args.published);
    if args.json {
        print_json(&json)?;
    } else {
        println!("topics:   {}", if json.topics.is_empty() { "-".to_owned() } else { json.topics.join(", ") });
        for id in &json.topics {
            if let Some(e) = json.evidence.get(id) {
                println!("  {id}: {}", e.why);
            }
        }
        println!("stage:    {}", json.stage);
        println!("deadline: {}", json.deadline.as_deref().unwrap_or("-"));
    }
    Ok(ExitCode::SUCCESS)
}

fn classification(pack: &TopicPack, title: &str, body: &str, published: Option<Date>) -> ClassifyJson {
    let found = classify::classify(pack, title, body, published);
    let labels = pack.labels();
    let explained: Vec<TopicEvidence> = pack.explain(title, body);
    let evidence = found
        .topics
        .iter()
        .filter_map(|id| explained.iter().find(|e| &e.id == id))
        .map(|e| {
            let terms = e
                .terms
                .iter()
                .map(|t| TermJson {
                    term: t.term.clone(),
                    in_title: t.in_title,
                    in_body: t.in_body,
                    found_in: t.first.map(|o| o.part.as_str()),
                    snippet: t.snippet(title, body),
                })
                .collect();
            let label = labels.get(&e.id).cloned().unwrap_or_default();
            (e.id.clone(), TopicJson { label, score: e.score(), why: e.summary(), terms })
        })
        .collect();
    ClassifyJson {
        topics: found.topics,
        stage: found.stage.as_str(),
        deadline: found.deadline.map(|d| d.to_string()),
        evidence,
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    #[test]
    fn json_keeps_its_contract_and_adds_evidence() {
        let title = "CAC Seeks Comments on the Guide for Developing the Minors Mode";
        let body = "The draft is open for public comments until September 2. Apps must limit screen time for children.";
        let json = classification(TopicPack::builtin(), title, body, Some(date(2023, 8, 31)));
        let value = serde_json::to_value(&json).unwrap_or_default();
        assert_eq!(value.get("topics"), Some(&serde_json::json!(["minors"])));
        assert_eq!(value.get("stage"), Some(&serde_json::json!("draft")));
        assert_eq!(value.get("deadline"), Some(&serde_json::json!("2023-09-02")));
        let minors = value.pointer("/evidence/minors").cloned().unwrap_or_default();
        assert_eq!(minors.get("label"), Some(&serde_json::json!("Protection of minors")));
        let terms = minors.get("terms").and_then(|t| t.as_array()).cloned().unwrap_or_default();
        let title_term = terms.iter().find(|t| t.get("found_in") == Some(&serde_json::json!("title")));
        assert_eq!(title_term.and_then(|t| t.get("term")), Some(&serde_json::json!("minors mode")));
        let body_term = terms.iter().find(|t| t.get("term") == Some(&serde_json::json!("screen time")));
        let snippet = body_term.and_then(|t| t.get("snippet")).and_then(|s| s.as_str()).unwrap_or_default();
        assert!(snippet.contains("limit screen time for children"), "{snippet}");
    }

    #[test]
    fn untagged_text_has_empty_evidence() {
        let json = classification(TopicPack::builtin(), "Heavy rain expected", "Stay indoors.", None);
        assert!(json.topics.is_empty() && json.evidence.is_empty());
    }
}
