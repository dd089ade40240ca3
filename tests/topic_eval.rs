//! Evaluation of the default topic pack, stage and deadline detection on the labelled
//! development set (`tests/fixtures/topics/dev.jsonl`). Run with `--nocapture` for the table.

use std::collections::BTreeMap;

use regwatch::classify::{self, TopicPack};

#[derive(serde::Deserialize)]
struct Item {
    id: String,
    title: String,
    text: String,
    topics: Vec<String>,
    stage: String,
    deadline: Option<String>,
}

#[derive(Default)]
struct Counts {
    tp: u32,
    fp: u32,
    fn_: u32,
}

fn ratio(num: u32, den: u32) -> f64 {
    if den == 0 { 1.0 } else { f64::from(num) / f64::from(den) }
}

#[test]
fn default_pack_meets_quality_bar_on_dev_set() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/topics/dev.jsonl");
    let text = std::fs::read_to_string(path).expect("dev set is readable");
    let items: Vec<Item> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("dev line parses"))
        .collect();
    assert!(items.len() >= 60, "dev set has {} items", items.len());

    let pack = TopicPack::builtin();
    let mut per_topic: BTreeMap<String, Counts> = pack.ids().map(|id| (id.to_owned(), Counts::default())).collect();
    let (mut stage_ok, mut deadline_ok) = (0u32, 0u32);
    for item in &items {
        let found = classify::classify(pack, &item.title, &item.text, None);
        for id in pack.ids() {
            let (got, want) = (found.topics.iter().any(|t| t == id), item.topics.iter().any(|t| t == id));
            let counts = per_topic.entry(id.to_owned()).or_default();
            match (got, want) {
                (true, true) => counts.tp += 1,
                (true, false) => counts.fp += 1,
                (false, true) => counts.fn_ += 1,
                (false, false) => {}
            }
        }
        let mut errors = Vec::new();
        let mut missing: Vec<&String> = item.topics.iter().filter(|t| !found.topics.contains(t)).collect();
        let mut extra: Vec<&String> = found.topics.iter().filter(|t| !item.topics.contains(t)).collect();
        missing.sort();
        extra.sort();
        if !missing.is_empty() || !extra.is_empty() {
            errors.push(format!("topics missing {missing:?} extra {extra:?}"));
        }
        if found.stage.as_str() == item.stage {
            stage_ok += 1;
        } else {
            errors.push(format!("stage {} (want {})", found.stage, item.stage));
        }
        let deadline = found.deadline.map(|d| d.to_string());
        if deadline == item.deadline {
            deadline_ok += 1;
        } else {
            errors.push(format!("deadline {deadline:?} (want {:?})", item.deadline));
        }
        if !errors.is_empty() {
            println!("{:>10}  {}", item.id, errors.join("; "));
        }
    }

    println!("\n{:<24} {:>4} {:>4} {:>4} {:>9} {:>9}", "topic", "tp", "fp", "fn", "precision", "recall");
    let mut total = Counts::default();
    for (id, c) in &per_topic {
        println!(
            "{id:<24} {:>4} {:>4} {:>4} {:>9.2} {:>9.2}",
            c.tp,
            c.fp,
            c.fn_,
            ratio(c.tp, c.tp + c.fp),
            ratio(c.tp, c.tp + c.fn_)
        );
        total.tp += c.tp;
        total.fp += c.fp;
        total.fn_ += c.fn_;
    }
    let precision = ratio(total.tp, total.tp + total.fp);
    let recall = ratio(total.tp, total.tp + total.fn_);
    let micro_f1 = 2.0 * precision * recall / (precision + recall);
    let n = u32::try_from(items.len()).expect("small");
    let stage_accuracy = ratio(stage_ok, n);
    let deadline_accuracy = ratio(deadline_ok, n);
    println!("micro: precision {precision:.3} recall {recall:.3} F1 {micro_f1:.3}");
    println!(
        "stage accuracy {stage_accuracy:.3} ({stage_ok}/{n}); deadline accuracy {deadline_accuracy:.3} ({deadline_ok}/{n})"
    );

    assert!(micro_f1 >= 0.90, "micro-F1 {micro_f1:.3} is below 0.90");
    assert!(stage_accuracy >= 0.85, "stage accuracy {stage_accuracy:.3} is below 0.85");
}
