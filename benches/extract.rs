//! Extract + normalise + hash of a 200 KB article page, the per-document cost of a poll.
//!
//! The page is generated: a regulator-style article with navigation, scripts, a share widget,
//! many paragraphs of mixed Chinese and English, and a table. `decode` of the same page as GBK
//! is measured beside it.

use std::fmt::Write;
use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use encoding_rs::GB18030;
use regex::Regex;
use regwatch::config::model::{ArticleSpec, CssSelector};
use regwatch::extract::page;
use regwatch::fetch::charset::decode;
use url::Url;

const TARGET_BYTES: usize = 200 * 1024;

const ZH: [&str; 6] = [
    "为了规范网络数据处理活动，保障网络数据安全，促进网络数据依法合理有效利用",
    "网络数据处理者应当依照法律、行政法规的规定和国家标准的强制性要求",
    "在中华人民共和国境内开展网络数据处理活动及其安全监督管理，适用本条例",
    "国家网信部门负责统筹协调网络数据安全和相关监督管理工作",
    "个人信息处理者应当在处理个人信息前，以显著方式、清晰易懂的语言真实、准确、完整地告知",
    "重要数据的处理者应当明确网络数据安全负责人和网络数据安全管理机构",
];
const EN: [&str; 4] = [
    "Network data processors shall establish and improve a data security management system",
    "the Cyberspace Administration of China (CAC) coordinates cross-border data transfers",
    "personal information protection impact assessments must be completed beforehand",
    "see Article 35 of the Regulations on Network Data Security Management",
];

/// A deterministic article page of about `TARGET_BYTES`.
fn article_page() -> String {
    let mut html = String::from(
        r#"<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">
<title>网络数据安全管理条例_中国网信网</title><meta name="PubDate" content="2024-09-30 17:35">
<script>var _hmt = _hmt || []; (function() { var hm = document.createElement("script"); })();</script>
<style>body{font:14px/1.6 sans-serif}.share{float:right}</style></head><body>
<nav><ul>"#,
    );
    for i in 0..40 {
        write!(html, "<li><a href=\"/c{i}/\">栏目{i}</a></li>").unwrap();
    }
    html.push_str(
        r#"</ul></nav><div class="main"><div class="article"><h1>网络数据安全管理条例</h1>
<p class="views">浏览次数：12345</p><div class="share">分享到：<a>微信</a><a>微博</a></div>"#,
    );
    let mut seed: u32 = 7;
    let mut article = 1;
    while html.len() < TARGET_BYTES - 8 * 1024 {
        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
        let zh = ZH[(seed >> 8) as usize % ZH.len()];
        let en = EN[(seed >> 16) as usize % EN.len()];
        writeln!(
            html,
            "<p>\u{3000}\u{3000}<strong>第{article}条</strong>\u{3000}{zh}；<em>{en}</em>。\
             {zh}，<a href=\"/a/{seed}.htm\">详见附件{article}</a>。</p>"
        )
        .unwrap();
        if article % 50 == 0 {
            html.push_str("<table><tr><th>条款</th><th>内容</th><th>期限</th></tr>");
            for row in 0..20 {
                write!(html, "<tr><td>第{row}条</td><td>{zh}</td><td>2025年1月1日</td></tr>").unwrap();
            }
            html.push_str("</table>");
        }
        article += 1;
    }
    html.push_str(
        r#"<p class="updated">Last updated: 2024-10-02 08:15:33</p></div></div>
<footer>版权所有：中国网信网</footer><script>document.write('<p>统计</p>');</script></body></html>"#,
    );
    html
}

fn css(s: &str) -> CssSelector {
    CssSelector::new(s, scraper::Selector::parse(s).unwrap(), None)
}

fn bench(c: &mut Criterion) {
    let html = article_page();
    let url = Url::parse("https://www.cac.gov.cn/2024-09/30/c_1.htm").unwrap();
    let doc = decode(html.as_bytes(), Some("text/html; charset=utf-8"), None, url.clone());
    let spec = ArticleSpec {
        title: None,
        content: Some(css("div.article")),
        ignore: vec![css("div.share")],
        ignore_text: vec![Regex::new("^浏览次数").unwrap(), Regex::new("Last updated: .*").unwrap()],
    };
    let lines = page::article(&doc, &spec).unwrap().blocks.lines().len();
    eprintln!("page: {} bytes, {lines} block lines", html.len());

    let mut group = c.benchmark_group("article_200k");
    group.throughput(Throughput::Bytes(html.len() as u64));
    group.sample_size(30).measurement_time(Duration::from_secs(8));
    group.bench_function("extract_normalise_hash", |b| {
        b.iter(|| {
            let article = page::article(black_box(&doc), &spec).unwrap();
            black_box(article.blocks.hash())
        });
    });
    let gbk_page = html.replace("charset=utf-8", "charset=gbk");
    let (gbk, _, _) = GB18030.encode(&gbk_page);
    group.bench_function("decode_gbk", |b| {
        b.iter(|| decode(black_box(&gbk), Some("text/html"), None, url.clone()));
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
