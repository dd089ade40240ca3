//! Classification speed on 50 KB texts (target: topics, stage and deadline under 1 ms), and family
//! linking.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use regwatch::classify::{self, FamilyCandidate, TopicPack, family_key, is_final_of};

const SIZE: usize = 50 * 1024;

fn fixture(path: &str) -> String {
    let full = format!("{}/tests/fixtures/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
}

/// `text` repeated and cut to `SIZE` bytes on a character boundary.
fn sized(text: &str) -> String {
    let mut out = text.repeat(SIZE / text.len().max(1) + 1);
    let mut end = SIZE;
    while !out.is_char_boundary(end) {
        end -= 1;
    }
    out.truncate(end);
    out
}

fn chinese_50k() -> String {
    sized(&(fixture("laws/pipl-2021-08-20.md") + &fixture("laws/network-data-security-regs-2024-09-24.md")))
}

/// The dev set's texts for which `keep` holds, joined and cut to 50 KB.
fn dev_texts_50k(keep: impl Fn(&serde_json::Value, &str) -> bool) -> String {
    let lines = fixture("topics/dev.jsonl");
    let texts: Vec<String> = lines
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v.get("text").and_then(|t| t.as_str()).filter(|t| keep(&v, t)).map(str::to_owned))
        .collect();
    sized(&texts.join("\n\n"))
}

fn english_50k() -> String {
    dev_texts_50k(|item, _| item.get("lang").and_then(|l| l.as_str()) == Some("en"))
}

/// Reposts in traditional characters: every character goes through the folding table.
fn traditional_50k() -> String {
    dev_texts_50k(|_, text| text.contains('網') || text.contains('國'))
}

fn bench_topics(c: &mut Criterion) {
    let pack = TopicPack::builtin();
    let chinese = chinese_50k();
    let english = english_50k();
    c.bench_function("classify_topics 50KB Chinese", |b| {
        b.iter(|| pack.classify_topics(black_box("网络数据安全管理条例"), black_box(&chinese)));
    });
    c.bench_function("classify_topics 50KB English", |b| {
        b.iter(|| pack.classify_topics(black_box("Measures on Data"), black_box(&english)));
    });
    // What the regex patterns cost on top of the keyword automata.
    let mut specs = TopicPack::builtin_specs().unwrap_or_default();
    for spec in &mut specs {
        spec.patterns.clear();
    }
    if let Ok(keywords_only) = TopicPack::compile(&specs) {
        c.bench_function("classify_topics 50KB English, keywords only", |b| {
            b.iter(|| keywords_only.classify_topics(black_box("Measures on Data"), black_box(&english)));
        });
    }
    c.bench_function("detect_stage 50KB English", |b| {
        b.iter(|| classify::detect_stage(black_box("Measures on Data"), black_box(&english)));
    });
    c.bench_function("classify (topics+stage+deadline) 50KB Chinese", |b| {
        b.iter(|| classify::classify(pack, black_box("网络数据安全管理条例"), black_box(&chinese), None));
    });
    c.bench_function("classify (topics+stage+deadline) 50KB English", |b| {
        b.iter(|| classify::classify(pack, black_box("Measures on Data"), black_box(&english), None));
    });
    let traditional = traditional_50k();
    c.bench_function("classify (topics+stage+deadline) 50KB traditional Chinese", |b| {
        b.iter(|| classify::classify(pack, black_box("網絡數據安全管理條例"), black_box(&traditional), None));
    });
    c.bench_function("TopicPack::compile builtin", |b| {
        let specs = TopicPack::builtin_specs().unwrap_or_default();
        b.iter(|| TopicPack::compile(black_box(&specs)).map(|p| p.ids().count()));
    });
}

fn bench_family(c: &mut Criterion) {
    let draft_body = fixture("laws/network-data-security-regs-2024-09-24.md");
    let final_body = fixture("laws/network-data-security-management-regulations-2024-zh.txt");
    c.bench_function("family_key", |b| {
        b.iter(|| {
            family_key(black_box(
                "国家互联网信息办公室关于《人脸识别技术应用安全管理规定（试行）（征求意见稿）》公开征求意见的通知",
            ))
        });
    });
    c.bench_function("FamilyCandidate::new 30KB", |b| {
        b.iter(|| FamilyCandidate::new(black_box("网络数据安全管理条例"), black_box(&final_body), None));
    });
    let draft = FamilyCandidate::new("网络数据安全管理条例（征求意见稿）", &draft_body, None);
    let final_ = FamilyCandidate::new("网络数据安全管理条例", &final_body, None);
    c.bench_function("is_final_of prepared candidates", |b| {
        b.iter(|| is_final_of(black_box(&draft), black_box(&final_)));
    });
}

criterion_group!(benches, bench_topics, bench_family);
criterion_main!(benches);
