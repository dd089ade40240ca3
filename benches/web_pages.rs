//! `cargo bench --bench web_pages`: the reading room over a database of 10,000 documents and
//! 100,000 versions (10 sources × 1,000 documents × 10 versions of a 20-article Chinese law
//! each, a change per version, an hour of fetch log and a pending outbox), served on
//! 127.0.0.1 and asked for every kind of page over HTTP. Prints the median, 95th percentile and
//! worst time per page, and flags any page whose median is over the 50 ms budget.
//!
//! `DOCS=1000` builds a smaller database for a quick look.

use std::time::{Duration, Instant};

use jiff::{SignedDuration, Timestamp};
use regwatch::classify::Stage;
use regwatch::config::model::EventType;
use regwatch::diff::{ArticleChange, ChangeKind};
use regwatch::extract::{BlockText, Observation};
use regwatch::ids::{DocId, SourceId, TopicId, VersionNo};
use regwatch::store::{
    ChangeRecord, DeliveryChannel, DocumentWrite, FetchLogEntry, ListingWrite, NewDelivery, PollCommit, PollResult,
    Store, VersionText, WriteKind,
};
use regwatch::web::{SchedulerProbe, WebState};

#[path = "../tests/lawtext/synthetic.rs"]
#[expect(unreachable_pub, reason = "shared with the integration tests, where these are pub")]
mod synthetic;

const SOURCES: usize = 10;
const VERSIONS: usize = 10;
const ARTICLES: u32 = 20;
const BUDGET: Duration = Duration::from_millis(50);
const RUNS: usize = 30;

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let docs: usize = std::env::var("DOCS").ok().and_then(|d| d.parse().ok()).unwrap_or(10_000);
    let per_source = docs / SOURCES;
    let dir = tempfile::tempdir().unwrap();
    let sources: String = (0..SOURCES)
        .map(|s| format!("[[source]]\nid = \"s{s}\"\nname = \"Regulator {s}\"\nkind = \"html-list\"\nurl = \"https://reg{s}.example.org/list\"\n[source.list]\nitem = \"li\"\ntitle = \"a\"\nlink = \"a\"\n"))
        .collect();
    std::fs::write(dir.path().join("regwatch.toml"), sources).unwrap();
    let config = regwatch::config::load(&dir.path().join("regwatch.toml"), &[]).unwrap().config;
    let started = Instant::now();
    {
        let store = Store::open(&config.storage.database).unwrap();
        let now = regwatch::clock::Clock::now(&regwatch::clock::SystemClock);
        store.register_sources(&config.sources, now - SignedDuration::from_hours(24 * 30)).unwrap();
        for pass in 0..VERSIONS {
            for (s, spec) in config.sources.iter().enumerate() {
                // A day between passes; the last one within the hour /metrics looks at.
                let days_ago = i64::try_from(VERSIONS - 1 - pass).unwrap();
                let at = now
                    - SignedDuration::from_hours(days_ago * 24)
                    - SignedDuration::from_mins(30 - i64::try_from(s).unwrap());
                store.commit(&commit(&spec.id, s, per_source, pass, at)).unwrap();
            }
        }
    }
    let size = std::fs::metadata(&config.storage.database).map_or(0, |m| m.len());
    println!(
        "web_pages: built {} documents, {} versions in {:.1} s ({} MiB database)",
        per_source * SOURCES,
        per_source * SOURCES * VERSIONS,
        started.elapsed().as_secs_f64(),
        size / (1024 * 1024)
    );

    let _ = rustls::crypto::ring::default_provider().install_default();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let state = WebState::open(&config, SchedulerProbe::none()).unwrap();
    let listener = runtime.block_on(regwatch::web::bind("127.0.0.1:0".parse().unwrap())).unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    runtime.spawn(regwatch::web::serve(listener, state, std::future::pending()));
    let client = reqwest::Client::new();
    let doc = per_source * SOURCES / 2;
    let pages = [
        "/".to_owned(),
        "/documents".to_owned(),
        "/documents?page=20".to_owned(),
        "/documents?topic=minors".to_owned(),
        "/documents?stage=draft&source=s3".to_owned(),
        "/documents?q=%E4%BA%BA%E8%84%B8%E8%AF%86%E5%88%AB".to_owned(), // 人脸识别: the trigram index
        "/documents?q=%E6%9C%89%E5%85%B3%E4%B8%BB%E7%AE%A1%E9%83%A8%E9%97%A8".to_owned(), // 有关主管部门: in every text
        "/documents?q=%E4%BA%BA%E8%84%B8".to_owned(),                   // 人脸: two characters, a scan
        format!("/documents/{doc}"),
        format!("/documents/{doc}/diff?from=9&to=10"),
        format!("/documents/{doc}/diff?from=1&to=10&view=side"),
        format!("/documents/{doc}/versions/10.txt"),
        format!("/documents/{doc}/redline.docx?from=9&to=10"),
        "/sources".to_owned(),
        "/topics/minors".to_owned(),
        "/feeds/changes.atom".to_owned(),
        "/feeds/topics/facial-recognition.atom".to_owned(),
        "/metrics".to_owned(),
        "/healthz".to_owned(),
    ];
    println!("{:<48} {:>9} {:>9} {:>9}", "page", "median ms", "p95 ms", "max ms");
    let mut over = Vec::new();
    for page in &pages {
        let url = format!("{base}{page}");
        let mut times: Vec<Duration> = (0..RUNS + 2)
            .map(|_| {
                let t = Instant::now();
                let status = runtime.block_on(async {
                    let response = client.get(&url).send().await.unwrap();
                    let status = response.status();
                    response.bytes().await.unwrap();
                    status
                });
                assert!(status.is_success(), "{page}: {status}");
                t.elapsed()
            })
            .skip(2)
            .collect();
        times.sort_unstable();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let (median, p95, max) = (times[RUNS / 2], times[RUNS * 95 / 100], times[RUNS - 1]);
        if median > BUDGET {
            over.push(page.clone());
        }
        println!("{page:<48} {:>9.1} {:>9.1} {:>9.1}", ms(median), ms(p95), ms(max));
    }
    if over.is_empty() {
        println!("web_pages: every page's median is under {} ms", BUDGET.as_millis());
    } else {
        println!("web_pages: over the {} ms budget: {}", BUDGET.as_millis(), over.join(", "));
    }
}

/// One poll of source `s`: its documents new (pass 0) or each with one more edited article.
fn commit(source: &SourceId, s: usize, per_source: usize, pass: usize, at: Timestamp) -> PollCommit {
    let documents = (0..per_source)
        .map(|i| {
            let n = s * per_source + i;
            let observation = Observation::new(
                format!("https://reg{s}.example.org/doc/{i}").parse().unwrap(),
                format!(
                    "{}管理办法（征求意见稿）第{n}号",
                    if n.is_multiple_of(5) { "人脸识别技术应用" } else { "网络数据安全" }
                ),
                None,
                BlockText::from_lines(text(n, pass)),
            );
            let topics: Vec<TopicId> = [(5, "facial-recognition"), (7, "minors"), (3, "personal-information")]
                .iter()
                .filter(|(m, _)| n.is_multiple_of(*m))
                .map(|(_, t)| TopicId((*t).to_owned()))
                .collect();
            let doc_id = i64::try_from(n + 1).unwrap();
            let kind = if pass == 0 {
                WriteKind::New
            } else {
                WriteKind::Changed { doc: DocId(doc_id), prev: VersionNo(i64::try_from(pass).unwrap()) }
            };
            let change = (pass > 0).then(|| ChangeRecord {
                event: EventType::DocumentChanged,
                from_doc: Some(DocId(doc_id)),
                from_version: Some(VersionNo(i64::try_from(pass).unwrap())),
                summary: format!("Article {} amended", pass + 1),
                articles: vec![ArticleChange {
                    number: (pass + 1).to_string(),
                    kind: ChangeKind::Amended,
                    from: None,
                    inline: Vec::new(),
                    items: Vec::new(),
                }],
                topics: topics.clone(),
                added_lines: 1,
                removed_lines: 1,
            });
            // A handful of pending deliveries, for the outbox figures.
            let deliveries = if pass == VERSIONS - 1 && i < 20 {
                vec![NewDelivery {
                    subscriber: "hook".into(),
                    channel: DeliveryChannel::Webhook,
                    event: EventType::DocumentChanged,
                    source: source.clone(),
                    payload: serde_json::json!({}),
                    due_at: at,
                }]
            } else {
                Vec::new()
            };
            DocumentWrite {
                hash: observation.blocks.hash(),
                kind,
                stage: Stage::Draft,
                deadline: Some(jiff::civil::date(
                    2099,
                    i8::try_from(1 + n % 12).unwrap(),
                    i8::try_from(1 + n % 28).unwrap(),
                )),
                topics,
                family_key: None,
                draft: None,
                change,
                deliveries,
                stored: VersionText::new(&observation.title, observation.blocks.text()),
                observation,
            }
        })
        .collect();
    let fetch_log = (0..per_source)
        .map(|i| FetchLogEntry {
            url: format!("https://reg{s}.example.org/doc/{i}"),
            status: Some(if i.is_multiple_of(3) { 200 } else { 304 }),
            bytes: Some(20_000),
            elapsed: Duration::from_millis(u64::try_from(i % 900).unwrap()),
            error: None,
        })
        .collect();
    PollCommit {
        source: source.clone(),
        at,
        result: PollResult::Ok { status: Some(200), items: Some(per_source), warning: None },
        config_hash: None,
        next_due: Some(at + SignedDuration::from_hours(1)),
        validators: Vec::new(),
        listing: ListingWrite {
            recheck_interval: Duration::from_secs(86_400),
            recheck_window: Duration::from_secs(86_400),
            ..ListingWrite::default()
        },
        documents,
        fetch_log,
        health: None,
        health_events: Vec::new(),
    }
}

/// Document `n`'s text at `pass`: a 20-article law of its own, with articles 2..=pass+1 edited.
fn text(n: usize, pass: usize) -> Vec<String> {
    let seeds: Vec<u32> = (0..ARTICLES).map(|a| u32::try_from(n).unwrap() * 31 + a).collect();
    let mut lines = synthetic::law(&seeds);
    for edited in 1..=pass {
        let prefix = format!("第{}条 ", synthetic::chinese_numeral(u32::try_from(edited + 1).unwrap()));
        if let Some(line) = lines.iter_mut().find(|l| l.starts_with(&prefix)) {
            line.push_str(&format!("违反本条第{edited}款规定的，由有关主管部门责令改正。"));
        }
    }
    lines
}
