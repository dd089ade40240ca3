//! Classification and family linking on real Chinese statutes (`tests/fixtures/laws/`).

use regwatch::classify::{self, FamilyCandidate, Stage, TopicPack, body_similarity, is_final_of};
use rstest::rstest;

/// A fixture's title (its first line, without Markdown) and body.
fn fixture(name: &str) -> (String, String) {
    let path = format!("{}/tests/fixtures/laws/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let (title, body) = text.split_once('\n').unwrap_or((text.as_str(), ""));
    (title.trim_start_matches('#').trim().to_owned(), body.to_owned())
}

fn body(name: &str) -> String {
    fixture(name).1
}

#[rstest]
#[case::pipl("pipl-2021-08-20.md", &["personal-information", "cross-border-data"], &["facial-recognition", "minors", "cybersecurity"])]
#[case::cybersecurity_law("cybersecurity-law-2016-11-07.md", &["cybersecurity", "personal-information"], &["minors", "fintech"])]
#[case::data_security_law("data-security-law-2021-06-10.md", &["cybersecurity"], &["minors", "facial-recognition", "personal-information"])]
#[case::minors_online("minors-online-protection-regs-2023-10-16.md", &["minors", "personal-information"], &["fintech", "telecom"])]
#[case::network_data("network-data-security-regs-2024-09-24.md", &["cybersecurity", "personal-information", "cross-border-data"], &["generative-ai", "minors"])]
#[case::face_interpretation("spc-face-recognition-interpretation-dated.md", &["facial-recognition", "personal-information"], &["minors", "ecommerce-advertising"])]
#[case::data_export("data-export-security-assessment-measures-2022-zh.txt", &["cross-border-data"], &["minors", "facial-recognition"])]
#[case::minors_law("minors-protection-law-2024-04-26.md", &["minors"], &["personal-information", "ecommerce-advertising", "cybersecurity"])]
fn statutes_carry_their_topics_and_not_passing_mentions(
    #[case] name: &str,
    #[case] present: &[&str],
    #[case] absent: &[&str],
) {
    let (title, body) = fixture(name);
    let found = classify::classify(TopicPack::builtin(), &title, &body, None);
    for topic in present {
        assert!(found.topics.iter().any(|t| t == topic), "{name}: {topic} missing from {:?}", found.topics);
    }
    for topic in absent {
        assert!(!found.topics.iter().any(|t| t == topic), "{name}: {topic} in {:?}", found.topics);
    }
    assert_eq!(found.stage, Stage::Final, "{name}");
    assert_eq!(found.deadline, None, "{name}");
}

#[test]
fn same_regulation_from_two_sources_is_near_identical() {
    let ga4gh = body("network-data-security-management-regulations-2024-zh.txt");
    let lawrefbook = body("network-data-security-regs-2024-09-24.md");
    assert!(body_similarity(&ga4gh, &lawrefbook) > 0.95);
    let draft = FamilyCandidate::new("网络数据安全管理条例（征求意见稿）", &lawrefbook, None);
    let final_ = FamilyCandidate::new("国务院关于公布《网络数据安全管理条例》的通知", &ga4gh, None);
    assert!(is_final_of(&draft, &final_));
}

#[rstest]
#[case::beijing_full_revision(
    "北京市未成年人保护条例（修订草案）",
    "beijing-minors-regs-old-undated.md",
    "北京市未成年人保护条例",
    "beijing-minors-regs-2023-05-26.md"
)]
#[case::crypto_rewrite(
    "商用密码管理条例（修订草案送审稿）",
    "commercial-crypto-regs-1999-10-07.md",
    "商用密码管理条例",
    "commercial-crypto-regs-2023-04-27.md"
)]
#[case::minors_law_amendment(
    "中华人民共和国未成年人保护法（修正草案）",
    "minors-protection-law-2020-10-17.md",
    "中华人民共和国未成年人保护法",
    "minors-protection-law-2024-04-26.md"
)]
fn heavy_rewrites_of_one_instrument_still_link(
    #[case] draft_title: &str,
    #[case] draft: &str,
    #[case] final_title: &str,
    #[case] final_: &str,
) {
    let draft = FamilyCandidate::new(draft_title, &body(draft), None);
    let final_ = FamilyCandidate::new(final_title, &body(final_), None);
    assert!(is_final_of(&draft, &final_));
}

#[test]
fn different_instruments_do_not_link() {
    // Same subject, different city: the keys differ and the bodies share too little.
    let beijing =
        FamilyCandidate::new("北京市未成年人保护条例（草案）", &body("beijing-minors-regs-2023-05-26.md"), None);
    let national =
        FamilyCandidate::new("中华人民共和国未成年人保护法", &body("minors-protection-law-2024-04-26.md"), None);
    assert!(!is_final_of(&beijing, &national));
    // A key collision between unrelated texts is refused by the bodies.
    let face = FamilyCandidate::new(
        "若干问题的规定（征求意见稿）",
        &body("spc-face-recognition-interpretation-dated.md"),
        None,
    );
    let crypto = FamilyCandidate::new("若干问题的规定", &body("commercial-crypto-regs-1999-10-07.md"), None);
    assert_eq!(face.key(), crypto.key());
    assert!(!is_final_of(&face, &crypto));
}

#[test]
fn duplicate_with_different_title_keeps_its_topics() {
    let (dated_title, dated) = fixture("spc-face-recognition-interpretation-dated.md");
    let (undated_title, undated) = fixture("spc-face-recognition-interpretation-undated.md");
    assert!((body_similarity(&dated, &undated) - 1.0).abs() < 1e-9);
    let pack = TopicPack::builtin();
    assert_eq!(
        classify::classify(pack, &dated_title, &dated, None).topics,
        classify::classify(pack, &undated_title, &undated, None).topics
    );
}
