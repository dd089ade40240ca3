//! Classification of a document or a change: topics (from the topic pack), stage (draft, trial,
//! final) and comment deadline, plus the title and body comparison that links a final text to its
//! draft (`family`). Pure: no store, no I/O; the pipeline calls it and the store persists the
//! result. It does not decide who is alerted (`alert::route`) nor diff texts (`diff`).

mod deadline;
mod evidence;
mod family;
mod hant;
mod keyword;
mod stage;
mod topics;

use jiff::civil::Date;

pub use deadline::find_deadline;
pub use evidence::{Occurrence, Part, TermCount, TopicEvidence, TopicMatch};
pub use family::{FamilyCandidate, body_similarity, family_key, is_final_of};
pub use stage::{Stage, detect_stage};
pub use topics::{TopicError, TopicPack};

/// What classification says about one document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classified {
    /// Topic ids, strongest first.
    pub topics: Vec<String>,
    pub stage: Stage,
    /// The comment deadline; only drafts have one.
    pub deadline: Option<Date>,
}

/// Topics, stage and (for drafts) comment deadline of a document. `published` resolves
/// deadlines written without a year ("请于5月11日前").
pub fn classify(pack: &TopicPack, title: &str, body: &str, published: Option<Date>) -> Classified {
    // Folded once for the three readers: folding reads every character of the body.
    let (title, body) = (hant::fold(title), hant::fold(body));
    let topics = pack.topics_of(&title, &body).into_iter().map(|m| m.id).collect();
    let stage = stage::stage_of(&title, &body);
    let deadline = if stage == Stage::Draft { deadline::deadline_of(&title, &body, published) } else { None };
    Classified { topics, stage, deadline }
}

/// One line saying why `topic` goes with a title and text (a change's changed text, or a
/// document's body): the terms of the topic found and where, strongest first, e.g. `"minors
/// mode" in the title; "screen time" (2×), "children" in the body`. `None` when the topic is
/// unknown or nothing of it is there. For alerts' "why tagged".
pub fn why(pack: &TopicPack, title: &str, text: &str, topic: &str) -> Option<String> {
    pack.explain(title, text).into_iter().find(|e| e.id == topic).filter(|e| !e.terms.is_empty()).map(|e| e.summary())
}

/// Topics of a change: those its changed units carry, plus those of the document title.
pub fn classify_change(pack: &TopicPack, title: &str, changed_text: &str) -> Vec<String> {
    pack.classify_change_topics(title, changed_text).into_iter().map(|m| m.id).collect()
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;
    use rstest::rstest;

    use super::*;

    #[test]
    fn chinese_draft_notice() {
        let title = "关于《未成年人网络游戏防沉迷管理办法（征求意见稿）》公开征求意见的通知";
        let body = "为加强未成年人网络保护，我部起草了办法，现向社会公开征求意见。请于6月3日前将意见反馈至指定邮箱。\n第一条 网络游戏服务提供者应当落实防沉迷要求。\n第二十条 本办法自公布之日起施行。";
        let found = classify(TopicPack::builtin(), title, body, Some(date(2025, 5, 6)));
        assert_eq!(found.topics, ["minors"]);
        assert_eq!(found.stage, Stage::Draft);
        assert_eq!(found.deadline, Some(date(2025, 6, 3)));
    }

    #[test]
    fn english_final_news_item() {
        let body = "On 2 March, the CAC issued the Provisions on Labelling AI-Generated Content, which require \
                    generative AI services to add explicit labels. Platforms must submit a plan by 1 May 2025.";
        let found = classify(TopicPack::builtin(), "", body, None);
        assert_eq!(found.topics, ["generative-ai"]);
        assert_eq!(found.stage, Stage::Final);
        assert_eq!(found.deadline, None, "only drafts have comment deadlines");
    }

    #[test]
    fn why_names_terms_and_where() {
        let title = "Guidelines for the Minors Mode on the Mobile Internet";
        let body = "Apps must limit screen time. Children under eight get 40 minutes of screen time.";
        let line = why(TopicPack::builtin(), title, body, "minors").unwrap_or_default();
        assert!(line.starts_with("\"minors mode\" in the title; "), "{line}");
        assert!(line.contains("\"screen time\" (2×)") && line.contains("in the body"), "{line}");
        assert_eq!(why(TopicPack::builtin(), title, body, "fintech"), None);
        assert_eq!(why(TopicPack::builtin(), title, body, "no-such-topic"), None);
    }

    #[rstest]
    #[case::title_only("中华人民共和国个人信息保护法", "第九条 修改为：……", &["personal-information"])]
    #[case::changed_text("某某规定", "第十二条 新增：不得利用人脸识别技术分析个人情绪。", &["facial-recognition"])]
    #[case::nothing("某某规定", "第三条 修改为：主管部门负责监督管理。", &[])]
    fn change_topics(#[case] title: &str, #[case] changed: &str, #[case] expected: &[&str]) {
        assert_eq!(classify_change(TopicPack::builtin(), title, changed), expected);
    }
}
