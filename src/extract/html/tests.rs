use rstest::rstest;

use super::*;

#[path = "../../../tests/hostile_pages/mod.rs"]
mod hostile;

fn is_limit(error: &ExtractError) -> bool {
    matches!(error, ExtractError::TooDeep { .. } | ExtractError::TooManyNodes { .. })
}

#[test]
fn every_hostile_page_stops_at_a_limit() {
    for (name, page) in hostile::all() {
        let error = parse_document(&page).expect_err(name);
        assert!(is_limit(&error), "{name}: {error}");
    }
    // Feed entries' content is parsed as a fragment: the same limits hold there.
    for (name, page) in hostile::all().into_iter().filter(|(n, _)| ["foreign-content", "object-div"].contains(n)) {
        let error = parse_fragment(&page).expect_err(name);
        assert!(is_limit(&error), "{name} as a fragment: {error}");
    }
}

/// A page of several chunks, with multi-byte characters on the chunk boundaries, foreign
/// content, templates, tables and implied end tags.
fn ordinary_page() -> String {
    let mut page = String::from("<!DOCTYPE html><html><head><title>关于公开征求意见的通知</title></head><body>");
    for i in 0..400 {
        page.push_str(&format!(
            "<div class=item><p>第{i}条 为了规范人脸识别技术应用<li>甲<li>乙<table><tr><td>{i}<td>值</table>\
             <svg><title>图</title><path d=M0/></svg><template><b>t</b></template><a href=/x/{i}.htm>链接</a></div>"
        ));
    }
    page.push_str("</body></html>");
    page
}

#[test]
fn ordinary_pages_parse_as_scraper_parses_them() {
    let page = ordinary_page();
    assert!(page.len() > 4 * CHUNK, "the page spans several chunks");
    let ours = parse_document(&page).expect("an ordinary page parses");
    assert_eq!(ours.html(), Html::parse_document(&page).html());
}

#[test]
fn fragments_parse_as_scraper_parses_them() {
    let fragment = "<p>Article 1 <b>bold</b><li>one<li>two</p><table><tr><td>x</table>尾";
    let ours = parse_fragment(fragment).expect("a fragment parses");
    assert_eq!(ours.html(), Html::parse_fragment(fragment).html());
}

#[rstest]
// <html> is at depth 1 and <body> at 2, so eight divs reach depth 10.
#[case(8, None)]
#[case(9, Some(11))]
fn the_depth_limit_is_exact(#[case] divs: usize, #[case] refused_at: Option<usize>) {
    let limits = Limits { max_depth: 10, ..Limits::default() };
    let got = parse_document_with(&"<div>".repeat(divs), &limits).err();
    assert_eq!(got, refused_at.map(|depth| ExtractError::TooDeep { depth, limit: 10 }));
}

#[test]
fn the_node_limit_holds() {
    let limits = Limits { max_nodes: 100, ..Limits::default() };
    let got = parse_document_with(&"<p>x</p>".repeat(200), &limits);
    assert!(matches!(got, Err(ExtractError::TooManyNodes { limit: 100, .. })), "{got:?}");
    assert!(parse_document_with(&"<p>x</p>".repeat(20), &limits).is_ok());
}

#[test]
fn the_time_budget_stops_the_work() {
    let page = ordinary_page();
    let limits = Limits { time: Duration::ZERO, ..Limits::default() };
    assert_eq!(parse_document_with(&page, &limits).err(), Some(ExtractError::ParseTimeout { after: Duration::ZERO }));
}

#[test]
fn a_thread_deadline_stops_every_parse_until_it_is_lifted() {
    let page = ordinary_page();
    let stopped = within(Instant::now(), || parse_document(&page));
    assert_eq!(stopped.err(), Some(ExtractError::ParseTimeout { after: PARSE_TIME }));
    assert!(parse_document(&page).is_ok(), "the deadline ends with `within`");
    let far = Instant::now() + Duration::from_secs(3600);
    assert!(within(far, || parse_document(&page)).is_ok(), "a later deadline leaves the parse's own budget");
}

#[test]
fn deepest_counts_elements_below_the_document() {
    let page = Html::parse_document("<div><p><b>x</b></p></div>");
    // html > body > div > p > b; the text inside b is no deeper element.
    assert_eq!(deepest(&page), 5);
}
