//! The fuzz targets' entry points (`fuzz/harness.rs`), run by proptest on stable with a small
//! number of cases, so `cargo test` exercises every target and its invariants without nightly.
//! Each input is random, or a real sample with random bytes spliced in: pure noise rarely gets
//! past a parser's first check. The crashes the fuzzers found are replayed as regressions below.

#[path = "../fuzz/harness.rs"]
mod harness;

use proptest::prelude::*;

/// Samples of what each entry point reads, for the spliced inputs.
const FEED: &str = r#"<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title><item><title>关于&lt;征求意见&gt;的通知</title><link>/a/1.htm</link><guid>g1</guid><pubDate>Tue, 10 Jun 2025 08:00:00 +0800</pubDate><description><![CDATA[<p>第一条 为了规范。</p>]]></description></item></channel></rss>"#;
const JSON_FEED: &str = r#"{"version":"https://jsonfeed.org/version/1.1","title":"t","items":[{"id":"1","url":"https://example.org/a","title":"A","content_html":"<p>x</p>","date_published":"2025-06-10T08:00:00+08:00"}]}"#;
const PAGE: &str = r#"<html><head><title>办法_网信办</title><meta charset="gb2312"></head><body><ul><li><a href="/a.htm" title="关于《办法》">短</a><span>2023年8月8日</span></li></ul><article><h1>标题</h1><p>第一条　为了规范。</p><table><tr><td>1</td><td>a</td></tr></table></article></body></html>"#;
const JSON_LIST: &str = "data.rows[0].title\0http://www.npc.gov.cn/x?lid={id}&n={name}\0{\"rows\":[{\"title\":\"草案\",\"url\":\"/a/1\",\"id\":\"ff80\",\"date\":\"2026-10-21 00:00:00\",\"end\":1792339200000,\"body\":\"<p>第一条</p>\"}],\"data\":{\"rows\":[{\"title\":\"x\"}]}}";
const LAW: &str = "第一章 总则\n第一条 为了规范数据处理活动，制定本法。\n第二条 本法适用于境内。\n（一）个人信息；\n（二）重要数据。\n第二章 附则\n第三条 本法自2021年9月1日起施行。\0第一章 总则\n第一条 为了规范数据处理活动，保障数据安全，制定本法。\n第二条 本法适用于境内。\n第三条 新增。\n第二章 附则\n第四条 本法自2021年9月1日起施行。";
const DATES: &str = "关于《办法（征求意见稿）》公开征求意见的通知 2025-01-01至2025-02-01\0意见反馈截止时间为2023年9月7日。请于5月11日前反馈。submit comments by May 11, 2017 [截至日期:2025-10-26]";
const TOPICS: &str = "Measures on Minors' Mode and 5G基站 Security\0On 3 May the CAC issued rules on facial recognition (人脸识别) and cross-border data. 未成年人网络保护 “minors’ mode” applies to apps; 个人信息出境 needs a standard contract. Data shared abroad with foreign governments…";
const CONFIG: &str = "include = []\n[fetch]\ntimeout = \"30s\"\nmax_body = \"10MiB\"\n[[source]]\nid = \"a\"\nkind = \"html-list\"\nurl = \"https://u:p@example.org/x?api_key=k\"\n[source.list]\nitem = \"li\"\ntitle = \"a@title\"\nlink = \"a\"\n[source.request]\nheaders_env = { \"X-Api-Key\" = \"K\" }\nquery_env = { token = \"T\" }\nheader_hosts = [\"*.example.org\"]\n[source.auth]\nusername = \"u\"\npassword_env = \"P\"\n[[subscriber]]\nid = \"s\"\nwebhook = \"https://h.example.org/\"\nsecret_env = \"S\"\ntopics = [\"*\"]\n";

/// `sample` with `noise` written over it at `at` (a share of its length), and an options byte.
fn spliced(sample: &'static str) -> impl Strategy<Value = Vec<u8>> {
    (any::<u8>(), 0.0..1.0f64, proptest::collection::vec(any::<u8>(), 0..24)).prop_map(move |(options, at, noise)| {
        let mut data = vec![options];
        let bytes = sample.as_bytes();
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss,
            reason = "a share of a short length"
        )]
        let cut = (at * bytes.len() as f64) as usize;
        data.extend_from_slice(&bytes[..cut]);
        data.extend_from_slice(&noise);
        data.extend_from_slice(&bytes[(cut + noise.len() / 2).min(bytes.len())..]);
        data
    })
}

fn input(sample: &'static str) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![proptest::collection::vec(any::<u8>(), 0..512), spliced(sample)]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn charset_decode(data in input(PAGE)) {
        harness::charset_decode(&data);
    }

    #[test]
    fn feed_extract(data in prop_oneof![input(FEED), input(JSON_FEED)]) {
        harness::feed_extract(&data);
    }

    #[test]
    fn block_text(data in input(PAGE)) {
        harness::block_text(&data);
    }

    #[test]
    fn json_paths(data in input(JSON_LIST)) {
        harness::json_paths(&data);
    }

    #[test]
    fn legal_diff(data in input(LAW)) {
        harness::legal_diff(&data);
    }

    #[test]
    fn dates(data in input(DATES)) {
        harness::dates(&data);
    }

    #[test]
    fn topics(data in input(TOPICS)) {
        harness::topics(&data);
    }

    #[test]
    fn config_load(data in input(CONFIG)) {
        harness::config_load(data.get(1..).unwrap_or_default());
    }
}

/// The samples themselves go through every entry point cleanly.
#[test]
fn samples_pass() {
    for (sample, run) in [
        (PAGE, harness::charset_decode as fn(&[u8])),
        (FEED, harness::feed_extract),
        (PAGE, harness::block_text),
        (JSON_LIST, harness::json_paths),
        (LAW, harness::legal_diff),
        (DATES, harness::dates),
    ] {
        let mut data = vec![0];
        data.extend_from_slice(sample.as_bytes());
        run(&data);
        data[0] = 1;
        run(&data);
    }
    harness::config_load(CONFIG.as_bytes());
}

/// A fuzz target by name.
type Target = (&'static str, fn(&[u8]));

/// Every input a fuzzer crashed on (`fuzz/regressions/<target>/`), replayed through its target.
#[test]
fn fuzz_regressions_stay_fixed() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
    let targets: [Target; 7] = [
        ("charset_decode", harness::charset_decode),
        ("feed_extract", harness::feed_extract),
        ("block_text", harness::block_text),
        ("json_paths", harness::json_paths),
        ("legal_diff", harness::legal_diff),
        ("dates", harness::dates),
        ("config_load", harness::config_load),
    ];
    let mut replayed = 0;
    for (name, run) in targets {
        let Ok(entries) = std::fs::read_dir(root.join(name)) else { continue };
        for entry in entries {
            let path = entry.unwrap().path();
            run(&std::fs::read(&path).unwrap());
            replayed += 1;
        }
    }
    assert!(replayed > 0, "no regression inputs found under {}", root.display());
}
