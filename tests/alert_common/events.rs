//! Sample events as the store would fill them, with fixed times, for rendering and delivery tests.

use std::fmt::Write as _;

use regwatch::alert::event::{
    ArticleKind, ArticleRef, ChangeRef, DocumentData, DocumentRef, DraftRef, Event, EventData, SourceData, SourceRef,
    Stage,
};
use regwatch::config::model::EventType;
use regwatch::ids::{DocId, SourceId, VersionNo};

pub const NOW: &str = "2026-11-22T00:00:00Z";

pub fn cac() -> SourceRef {
    SourceRef { id: SourceId("cac-policies".into()), name: "CAC: policies and regulations".into() }
}

pub fn document(id: i64, title: &str, topics: &[&str], stage: Stage, deadline: Option<&str>) -> DocumentRef {
    DocumentRef {
        id: DocId(id),
        url: format!("https://www.cac.gov.cn/2026-11/20/c_{id}.htm").parse().unwrap(),
        title: title.to_owned(),
        stage,
        deadline: deadline.map(|d| d.parse().unwrap()),
        topics: topics.iter().map(|t| (*t).to_owned()).collect(),
        published: Some("2026-11-20".parse().unwrap()),
        why: std::collections::BTreeMap::new(),
    }
}

pub fn event(
    kind: EventType,
    id: &str,
    document: DocumentRef,
    change: Option<ChangeRef>,
    draft: Option<DraftRef>,
) -> Event {
    Event {
        kind,
        id: id.to_owned(),
        timestamp: NOW.parse().unwrap(),
        data: EventData::Document(DocumentData { source: cac(), document, change, draft }),
    }
}

/// A change to two articles with a 15-line diff, so excerpts are cut.
pub fn change(from: i64, to: i64) -> ChangeRef {
    let mut diff = String::from("--- v3\n+++ v4\n@@ -8,6 +8,9 @@\n 第八条 网络服务提供者应当履行下列义务：\n");
    diff.push_str("-第九条 未成年人用户每日使用时长不得超过二小时。\n");
    diff.push_str("+第九条 未成年人用户每日使用时长不得超过一小时。\n");
    diff.push_str("+Article 9 <b>one hour</b> & \"night mode\" from 22:00\n");
    for n in 0..11 {
        let _ = writeln!(diff, " 第{n}款 context line");
    }
    ChangeRef {
        from_version: VersionNo(from),
        to_version: VersionNo(to),
        summary: "Article 9 amended; Article 12 added".into(),
        articles: vec![
            ArticleRef { number: "9".into(), kind: ArticleKind::Amended, from: None },
            ArticleRef { number: "12".into(), kind: ArticleKind::Added, from: None },
            ArticleRef { number: "13".into(), kind: ArticleKind::Renumbered, from: Some("12".into()) },
        ],
        added_lines: 2,
        removed_lines: 1,
        diff,
        url: None,
    }
}

pub fn unhealthy(id: &str) -> Event {
    Event {
        kind: EventType::SourceUnhealthy,
        id: id.to_owned(),
        timestamp: NOW.parse().unwrap(),
        data: EventData::Source(SourceData { source: cac(), reason: "HTTP 503 for 3 polls in a row".into() }),
    }
}

/// Everything a digest can hold: new, changed (with a hostile title), final with its draft,
/// a draft whose deadline is soon and one whose deadline is far, an untagged document and a
/// source-health event.
pub fn digest_items() -> Vec<Event> {
    let soon = document(
        201,
        "Measures for the Security Management of Facial Recognition Technology (Draft for Comment)",
        &["facial-recognition"],
        Stage::Draft,
        Some("2026-12-01"),
    );
    let far = document(202, "Draft Provisions on Minors' Mode for Apps", &["minors"], Stage::Draft, Some("2027-02-01"));
    let hostile = document(
        203,
        "Provisions on Minors Online <script>alert(1)</script>\r\nBcc: victim@example.org",
        &["minors", "facial-recognition"],
        Stage::Final,
        None,
    );
    let final_doc = document(
        204,
        "Measures for Personal Information Export Standard Contracts",
        &["data-export"],
        Stage::Final,
        None,
    );
    let draft = DraftRef {
        id: DocId(150),
        url: "https://www.cac.gov.cn/2026-06/01/c_150.htm".parse().unwrap(),
        title: "Measures for Personal Information Export Standard Contracts (Draft for Comment)".into(),
    };
    let untagged = document(205, "Notice on the 2026 Cybersecurity Week", &[], Stage::Unknown, None);
    vec![
        event(EventType::DocumentNew, "101", soon, None, None),
        event(EventType::DocumentChanged, "102", far, Some(change(1, 2)), None),
        event(EventType::DocumentChanged, "103", hostile, Some(change(3, 4)), None),
        event(EventType::DocumentFinal, "104", final_doc, Some(change(5, 1)), Some(draft)),
        event(EventType::DocumentNew, "105", untagged, None, None),
        unhealthy("106"),
    ]
}
