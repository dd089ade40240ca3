//! Segment + align + diff of a synthetic 300-article Chinese law with 5% of its articles edited
//! (15 amended, 1 inserted), and of the same law unchanged. Target: under 5 ms per comparison.
//! Also prints the time of a hostile 5 MB one-line page with its words reordered.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use regwatch::diff::compare;

#[path = "../tests/lawtext/synthetic.rs"]
#[expect(unreachable_pub, reason = "shared with the integration tests, where these are pub")]
mod synthetic;

/// The old and new texts: article 151 inserted, and every 20th article from 10 amended.
fn versions() -> (Vec<String>, Vec<String>) {
    let seeds: Vec<u32> = (1..=300).collect();
    let old = synthetic::law(&seeds);
    let mut new_seeds = seeds;
    new_seeds.insert(150, 9_999);
    let mut new = synthetic::law(&new_seeds);
    for number in (10..=290).step_by(20) {
        let prefix = format!("第{}条 ", synthetic::chinese_numeral(number));
        if let Some(line) = new.iter_mut().find(|l| l.starts_with(&prefix)) {
            *line = format!("{}违反本条规定的，由有关主管部门依法处理。", line.replacen("应当", "必须", 1));
        }
    }
    (old, new)
}

fn legal_diff(c: &mut Criterion) {
    let (old, new) = versions();
    let chars: usize = old.iter().map(|l| l.chars().count()).sum();
    eprintln!("old text: {} lines, {chars} characters, {} per article", old.len(), chars / 300);
    let edited = compare(&old, &new);
    eprintln!("summary: {}", edited.summary);
    c.bench_function("compare 300 articles, 5% edited", |b| b.iter(|| compare(black_box(&old), black_box(&new))));
    c.bench_function("compare 300 articles, unchanged", |b| b.iter(|| compare(black_box(&old), black_box(&old))));

    // A hostile page: one 5 MB line whose words are reordered (took 38 s and 718 MB before the
    // word diff had a token cap and a deadline).
    let words: Vec<String> = (0..700_000).map(|i| format!("w{i}")).collect();
    let (one, two) = (vec![words.join(" ")], vec![words.iter().rev().cloned().collect::<Vec<_>>().join(" ")]);
    let started = std::time::Instant::now();
    let reordered = compare(&one, &two);
    eprintln!(
        "5 MB one-line page, words reordered: {:.3} s, {} hunk(s)",
        started.elapsed().as_secs_f64(),
        reordered.hunks.len()
    );
}

criterion_group!(benches, legal_diff);
criterion_main!(benches);
