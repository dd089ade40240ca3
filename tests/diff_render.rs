//! Snapshots of the three renderings of one comparison (unified, HTML, JSON), and escaping.

use regwatch::diff::{compare, render};

fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::to_owned).collect()
}

const OLD: &str = "某某网络保护条例
（2023年1月1日通过）
第一章 总则
第一条 为了保护未成年人，制定本条例。
第二条 网络服务提供者应当履行下列义务：
（一）建立投诉渠道；
（二）保存日志不少于三个月。
第三条 本条例自2023年6月1日起施行。";

const NEW: &str = "某某网络保护条例
（2023年1月1日通过 2024年5月1日修正）
第一章 总则
第一条 为了保护未成年人，制定本条例。
第二条 网络服务提供者应当履行下列义务：
（一）建立投诉渠道；
（二）保存日志不少于六个月。
第三条 禁止在页面中插入<script>alert(\"x\")</script>等恶意代码 & 其他内容。
第四条 本条例自2023年6月1日起施行。";

#[test]
fn unified_rendering() {
    let comparison = compare(&lines(OLD), &lines(NEW));
    insta::assert_snapshot!(render::unified(&comparison, "某某网络保护条例 (#7 v1)", "某某网络保护条例 (#7 v2)"));
}

#[test]
fn html_rendering() {
    let comparison = compare(&lines(OLD), &lines(NEW));
    insta::assert_snapshot!(render::html(&comparison, "某某网络保护条例 <v2>"));
}

#[test]
fn json_rendering() {
    let comparison = compare(&lines(OLD), &lines(NEW));
    insta::assert_json_snapshot!(comparison);
}

#[test]
fn english_notice_without_articles() {
    let old = lines("Notice on the Draft Measures\nComments are due by May 11, 2017.\nContact: the Office.");
    let new = lines("Notice on the Draft Measures\nComments are due by June 11, 2017.\nContact: the Office.");
    let comparison = compare(&old, &new);
    assert!(comparison.articles.is_empty());
    insta::assert_snapshot!(render::unified(&comparison, "v1", "v2"));
    insta::assert_json_snapshot!(comparison);
}

#[test]
fn html_escapes_every_scraped_string() {
    let old = lines("第一条 <b>原文</b>");
    let new = lines("第一条 <script>alert('x')</script>\n<img src=x onerror=\"alert(1)\">");
    let html = render::html(&compare(&old, &new), "<script>title</script>");
    assert!(!html.contains("<script") && !html.contains("<img") && !html.contains("<b>"), "{html}");
    assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
    assert!(html.contains("&lt;script&gt;title&lt;/script&gt;"));
    assert!(html.contains("onerror=&quot;alert(1)&quot;"));
}

#[test]
fn no_changes() {
    let text = lines(OLD);
    let comparison = compare(&text, &text);
    assert_eq!(render::unified(&comparison, "v1", "v2"), "No changes between v1 and v2.\n");
    assert_eq!(comparison.summary, "No changes");
}
