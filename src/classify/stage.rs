//! The stage of a document: draft for comment, trial implementation, final, or unknown, read from
//! the wording of its title and text in English and Chinese. Owns `Stage`; it is not the
//! deadline reader (`deadline`) nor the draft→final link (`family`).
//!
//! Evidence is looked for in three places in turn: the title, the lead (the opening of the body,
//! where a notice or a news item says what it is), then the whole body; the first place with any
//! evidence decides. Within one place draft outranks trial, and trial outranks final, because a
//! draft's text carries the articles of the final-to-be ("自公布之日起施行") and a trial
//! instrument also "comes into force".

use std::fmt;
use std::sync::LazyLock;

use regex::{Regex, RegexBuilder};

use super::evidence;
use super::hant::{self, Simplified};
use super::keyword::ascii_boundaries;

/// Where a document stands (TOPICS.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    /// A draft for comment (征求意见稿, 草案, draft revision).
    Draft,
    /// In force for trial implementation (试行, 暂行, interim).
    Trial,
    /// Adopted, issued or in force.
    Final,
    Unknown,
}

impl Stage {
    pub const ALL: [Self; 4] = [Self::Draft, Self::Trial, Self::Final, Self::Unknown];

    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Trial => "trial",
            Self::Final => "final",
            Self::Unknown => "unknown",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|stage| stage.as_str() == s)
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How much of the body counts as its lead, in characters.
const LEAD_CHARS: usize = 400;

/// Instrument nouns that an issuing verb must reach for a text to read as final: "issued the
/// Measures", not "issued a report" or "released typical cases".
const INSTRUMENT: &str = r"(?:measures|provisions|regulations?|rules|opinions|guidelines?|guide|guidance|specifications?|standards?|plan|initiative|notice|circular|law|decision|decree|code|interpretations?|catalog(?:ue)?|methods|norms|directory|announcement|controls|restrictions)";

/// The same for Chinese titles in 《》: the kinds of instrument, not reports (报告) or cases.
const INSTRUMENT_ZH: &str =
    r"(?:办法|规定|条例|法|通知|意见|指南|指引|标准|规范|细则|规则|决定|公告|方案|规划|目录|清单|要求|解释|准则)";

static DRAFT: LazyLock<Regex> = LazyLock::new(|| {
    marker(&[
        r"征求意见稿|草案|送审稿|审议稿|公开征求意见|征求意见的(?:通知|公告|函)|向社会(?:公开)?征求|征求社会各界|意见反馈|反馈意见|征集意见|意见征集|就[^。]{1,60}征求意见",
        r"\bdrafts? for (?:public )?(?:comments?|opinions?|soliciting|solicitation|consultation|review|feedback)",
        r"\b(?:opinion|comment)s?[- ]seeking draft|\bexposure drafts?\b|\bconsultation draft|\(draft\)|\bdraft (?:revision|amendment|law|bill)",
        r#"\(the [“"]draft[”"]\)|\bsolicit(?:s|ed|ing)? (?:public )?(?:comments|opinions?|views|feedback|input)\b"#,
        r"\bpublicly solicit|\bseek(?:s|ing)? (?:public )?(?:comments|opinions|views|feedback)\b|\b(?:comments|opinions|views|feedback) (?:are |were |is )?(?:sought|invited|solicited)\b",
        r"\bopen(?:ed)? to (?:the )?public (?:for )?(?:comments?|feedback|consultation)|\brequest for (?:public )?comments\b|\bpublic consultation\b|\bsubmit (?:their |your )?(?:comments|opinions|views|feedback)\b",
        r"\b(?:open )?for public (?:comments?|opinions?|feedback|consultation)\b|\bopen for (?:comments?|feedback|consultation)\b|\bopinions from the public\b|\bcollect(?:s|ed|ing)? (?:public )?opinions\b",
        // news phrasing: "released draft rules", "proposed new rules", "under the proposal"
        r"\bdraft (?:rules|guidance|guidelines?|regulations?|measures|provisions|standards?|decision|version|certification|temporary)\b|\bnewly drafted\b",
        r"\bpropos(?:ed|es|ing) (?:new |draft |revised |stricter |tougher )?(?:rules|regulations?|measures|guidance|guidelines|amendments?|changes|restrictions|limits)\b|\bunder the propos(?:al|ed)|\b(?:rules|regulations?|measures|law) proposed by\b|\bthe proposed (?:rules|regulations?|measures|law|bill|revisions?)\b",
        r"\bclosed (?:its|the) (?:public )?consultation\b|\bbipartisan bill\b",
    ])
});

static TRIAL: LazyLock<Regex> = LazyLock::new(|| {
    marker(&[
        r"试行|暂行",
        r"\btrial implementation\b|\(trial\)|\bon a trial basis\b",
        r"\b(?:interim|provisional|tentative) (?:administrative )?(?:measures|provisions|regulations|rules)\b",
    ])
});

static FINAL: LazyLock<Regex> = LazyLock::new(|| {
    let verb_object = format!(
        r"\b(?:issu(?:e[sd]?|ing)|releas(?:e[sd]?|ing)|promulgat(?:e[sd]?|ing)|publish(?:e[sd]|ing)|unveil(?:s|ed|ing)?|introduc(?:e[sd]?|ing)|roll(?:s|ed|ing)? out|announc(?:e[sd]?|ing)|adopt(?:s|ed|ing)?|pass(?:es|ed|ing)?|enact(?:s|ed|ing)?|finali[sz](?:e[sd]?|ing)|enforc(?:e[sd]?|ing)|impos(?:e[sd]?|ing))\s+(?:[A-Za-z0-9_’'-]+\s+){{0,8}}?{INSTRUMENT}\b"
    );
    let zh_title = format!(
        r"(?:发布|公布|印发|下发|出台|颁布)[^。《]{{0,20}}《[^》]{{1,60}}{INSTRUMENT_ZH}(?:（[^）]{{0,10}}）)?》"
    );
    marker(&[
        r"现予(?:公布|发布|印发)|予以(?:公布|发布)|公布施行|印发|颁布|关于(?:发布|公布)|正式(?:发布|实施|施行|生效)|审议通过|会议通过|表决通过|修订通过|已经[^。]{0,40}通过",
        r"自\s*\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日起(?:施行|实施|生效)|自公布之日起施行|\d{1,2}\s*月\s*\d{1,2}\s*日起(?:正式)?(?:施行|实施|生效)|发布并施行",
        r"(?:令|公告)\s*[（(]?第\s*[\d一二三四五六七八九十百〇零]+\s*号|〔\s*\d{4}\s*〕\s*\d+\s*号|现(?:将|就)[^。]{0,40}通知如下|现提出(?:以下|如下)意见",
        // the text of an instrument: "为了……，制定本条例。"
        r"制定本(?:法|条例|办法|规定|细则|规则|决定|解释|意见|标准)",
        r"\b(?:was|were|been|is|are) (?:formally )?(?:adopted|promulgated)\b|\bpromulgated\b|\bsigned (?:into law|a decree|the decree|an executive order)\b|\bvoted to adopt\b",
        r"\b(?:shall|will|to) (?:come|enter|go) into (?:force|effect)|\b(?:comes|came|entered|enters|coming|went|goes|go) into (?:force|effect)|\btak(?:es|en|e) effect\b|\btook effect\b|\beffective (?:as of|from|on|since)\b|\bbecame effective\b|\bin force since\b",
        r"\bhereby (?:issued|promulgated|published|notified|put forward|announced)|\bare hereby\b|\bNo\. ?\(\d{4}\) ?\d+|\b(?:order|decree) No\. ?\d+",
        r"\b(?:these|this) (?:measures|provisions|regulations?|rules|opinions|law|decision|interpretation|guidelines) (?:are|is|have been|has been) (?:hereby )?(?:formulated|drafted|enacted|made|developed)",
        r"\b(?:law|decree|order|bill|act)\b[^.;]{0,40}?\bsigned\b",
        &verb_object,
        &zh_title,
    ])
});

/// "The Provisions …, issued by": final wording of its own, apart from `FINAL`. Within it, its
/// sixty-character gap multiplied the lazy DFA's states with every other marker's until the
/// cache gave up and English text was read by the slow engine (8 ms for 60 KB, where each of
/// the two alone takes 0.1 ms).
static FINAL_BY: LazyLock<Regex> = LazyLock::new(|| {
    marker(&[&format!(
        r"\b{INSTRUMENT}\b[^.;]{{0,60}}?,? (?:(?:was|were|has been|have been) )?(?:jointly )?(?:introduced|issued|released|promulgated|unveiled|adopted|passed|approved) by\b"
    )])
});

/// Every verb `FINAL_BY` ends with ends in "ed", one space before "by": a text without this
/// holds no match, and is not read by it at all (Chinese text would be read in full).
static FINAL_BY_LITERAL: LazyLock<Regex> = LazyLock::new(|| marker(&["ed by"]));

/// What a draft mention means when it comes after one of these: the history of a final text
/// ("compared with the draft for comment", "在公开征求意见的基础上"), not its stage.
static HISTORY: LazyLock<Regex> = LazyLock::new(|| {
    marker(&[
        r"\b(?:compared (?:with|to)|after|following|based on|since|than|from|replac(?:es|ed|ing)|on the basis of)\s+(?:\S+\s+){0,4}$|在$|相比$|较$|经过$|根据$",
    ])
});

/// Compiles alternatives written as separate lines into one case-insensitive regex.
fn marker(parts: &[&str]) -> Regex {
    #[expect(clippy::expect_used, reason = "constant patterns, exercised by the unit tests")]
    RegexBuilder::new(&ascii_boundaries(&parts.join("|")))
        .case_insensitive(true)
        .build()
        .expect("stage marker regex compiles")
}

/// The stage a title and body show: title evidence first, then the lead, then the whole body.
pub fn detect_stage(title: &str, body: &str) -> Stage {
    stage_of(&hant::fold(title), &hant::fold(body))
}

/// `detect_stage` of a title and body already folded.
pub(super) fn stage_of(title: &Simplified<'_>, body: &Simplified<'_>) -> Stage {
    let (title, body) = (title.as_str(), body.as_str());
    let lead = lead(body);
    stage_in_title(title).or_else(|| [lead, body].into_iter().find_map(stage_in)).unwrap_or(Stage::Unknown)
}

/// A title names the stage outright ("（征求意见稿）", "（试行）"): draft outranks trial outranks final.
fn stage_in_title(title: &str) -> Option<Stage> {
    let found = markers(title);
    if found.draft.is_some() {
        Some(Stage::Draft)
    } else if found.trial.is_some() {
        Some(Stage::Trial)
    } else {
        found.final_.map(|_| Stage::Final)
    }
}

/// In running text the first stage wording describes the subject ("the CAC published the final
/// Provisions, which ... Compared with the draft issued in September ..."), counted by sentence so
/// that "issued the Measures (Draft for Comment)" is a draft; with two exceptions: a trial
/// instrument also "comes into force", so trial outranks final; and a draft mention read as
/// history does not count at all.
fn stage_in(text: &str) -> Option<Stage> {
    let found = markers(text);
    let sentence = |at: usize| sentence_index(text, at);
    match (found.draft, found.trial, found.final_) {
        (Some(draft), _, Some(final_)) if sentence(draft) <= sentence(final_) => Some(Stage::Draft),
        (Some(_), _, None) => Some(Stage::Draft),
        (_, Some(_), _) => Some(Stage::Trial),
        (_, None, Some(_)) => Some(Stage::Final),
        (None, None, None) => None,
    }
}

/// How many sentences end before byte `at`.
fn sentence_index(text: &str, at: usize) -> usize {
    let before = text.get(..at).unwrap_or_default();
    let mut count = 0;
    let mut chars = before.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let next = chars.peek().map(|&(_, n)| n);
        let stop = match c {
            '。' | '！' | '？' | '；' | '\n' => true,
            '.' | '!' | '?' => {
                next.is_some_and(char::is_whitespace)
                    && !evidence::ends_with_abbreviation(before.get(..i).unwrap_or_default())
            }
            _ => false,
        };
        count += usize::from(stop);
    }
    count
}

/// Where each stage's first marker starts, if anywhere.
struct Markers {
    draft: Option<usize>,
    trial: Option<usize>,
    final_: Option<usize>,
}

fn markers(text: &str) -> Markers {
    let draft = DRAFT.find_iter(text).map(|m| m.start()).find(|&start| !is_history(text, start));
    let trial = TRIAL.find(text).map(|m| m.start());
    // "released draft rules", "issued a draft Regulation": a verb reaching a draft is no final.
    let is_final = |m: &regex::Match<'_>| {
        let matched = m.as_str().to_ascii_lowercase();
        let draft_word = matched.split(|c: char| !c.is_alphanumeric()).any(|w| matches!(w, "draft" | "drafts"));
        !draft_word && !matched.contains("propos") && !matched.contains("草案")
    };
    let first_final = FINAL.find_iter(text).find(is_final).map(|m| m.start());
    // Only a match starting before `FINAL`'s first can change the answer.
    let before = first_final.unwrap_or(text.len());
    let first_by = FINAL_BY_LITERAL
        .is_match(text)
        .then(|| FINAL_BY.find_iter(text).take_while(|m| m.start() < before).find(is_final).map(|m| m.start()))
        .flatten();
    let final_ = first_by.or(first_final);
    Markers { draft, trial, final_ }
}

/// Whether the words just before `at` make a draft mention history.
fn is_history(text: &str, at: usize) -> bool {
    let mut from = at.saturating_sub(60);
    while !text.is_char_boundary(from) {
        from += 1;
    }
    text.get(from..at).is_some_and(|before| HISTORY.is_match(before))
}

/// The first `LEAD_CHARS` characters of the body.
fn lead(body: &str) -> &str {
    body.char_indices().nth(LEAD_CHARS).map_or(body, |(end, _)| body.get(..end).unwrap_or(body))
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    #[rstest]
    #[case::zh_draft_title("关于《未成年人网络游戏管理办法（征求意见稿）》公开征求意见的通知", "", Stage::Draft)]
    #[case::zh_draft_law("中华人民共和国数据出境管理法（草案）", "", Stage::Draft)]
    #[case::zh_second_reading("某某法（草案二次审议稿）", "", Stage::Draft)]
    #[case::zh_submitted("某某条例（送审稿）", "", Stage::Draft)]
    #[case::zh_trial_beats_final("智能网联汽车数据管理规定（试行）", "本规定自2025年1月1日起施行。", Stage::Trial)]
    #[case::zh_interim("移动应用程序信息服务管理暂行办法", "", Stage::Trial)]
    #[case::zh_draft_beats_trial("人脸识别技术应用安全管理规定（试行）（征求意见稿）", "", Stage::Draft)]
    #[case::zh_final_order(
        "",
        "国家网信办令第15号\n《某某管理办法》已经2025年3月1日国家互联网信息办公室室务会会议审议通过，现予公布，自2025年6月1日起施行。",
        Stage::Final
    )]
    #[case::zh_final_notice(
        "关于印发《网络数据分类分级指南》的通知",
        "各省、自治区、直辖市通信管理局：现将有关事项通知如下。",
        Stage::Final
    )]
    #[case::zh_draft_text_has_commencement(
        "某某办法",
        "为规范……，现向社会公开征求意见。\n第三十条 本办法自公布之日起施行。",
        Stage::Draft
    )]
    #[case::en_draft_title("Measures on Labelling Synthetic Content (Draft for Comment)", "", Stage::Draft)]
    #[case::en_draft_revision("Comments Sought on the Archives Law (Draft Revision)", "", Stage::Draft)]
    #[case::en_seeking("", "The ministry is seeking public comments on a proposal to regulate drones.", Stage::Draft)]
    #[case::en_released_for_comment(
        "NPCSC Releases Second Draft of Cybersecurity Law Amendment for Public Comment",
        "",
        Stage::Draft
    )]
    #[case::en_trial(
        "",
        "The bureau released the Measures for Data Labelling (for Trial Implementation), effective from 1 March.",
        Stage::Trial
    )]
    #[case::en_interim("Interim Measures for the Management of Mobile Apps", "", Stage::Trial)]
    #[case::en_final_issued(
        "",
        "On 3 May, the regulator issued the Provisions on Online Payment Services, which take effect in July.",
        Stage::Final
    )]
    #[case::en_final_force("", "The amended law shall come into force on 1 January 2026.", Stage::Final)]
    #[case::en_final_issued_by(
        "",
        "The Measures for Personal Information Protection Compliance Audits, jointly issued by the CAC and the MPS.",
        Stage::Final
    )]
    #[case::en_issued_by_before_a_later_draft_mention(
        "",
        "The Provisions were issued by the CAC on Friday. Readers may recall the consultation that came before them. A draft for comment had appeared in 2023.",
        Stage::Final
    )]
    #[case::en_draft_mention_before_issued_by(
        "",
        "A draft for comment appeared in 2023. The Provisions were issued by the CAC on Friday.",
        Stage::Draft
    )]
    #[case::en_report_is_not_final(
        "",
        "On 9 June, the court issued a research report on online disputes and released typical cases.",
        Stage::Unknown
    )]
    #[case::en_blog("Why I am moving my blog", "Thank you for reading these posts over the years.", Stage::Unknown)]
    #[case::title_outranks_body(
        "Notice on Issuing the Measures for Data Labelling",
        "Compared with the draft for comment, Article 5 is new.",
        Stage::Final
    )]
    #[case::body_decides_without_title_evidence(
        "Provisions on Data Export",
        "The draft for comment drew many submissions.",
        Stage::Draft
    )]
    #[case::news_took_effect(
        "",
        "The revised counterespionage law took effect Saturday, broadening what counts as spying.",
        Stage::Final
    )]
    #[case::news_signed_into_law(
        "",
        "On April 24 the president signed into law an act on foreign adversary apps.",
        Stage::Final
    )]
    #[case::news_go_into_effect("", "The regulator said the new rules go into effect on December 15.", Stage::Final)]
    #[case::news_released_draft_rules(
        "",
        "Its internet watchdog has released draft rules calling for platforms to monitor comments.",
        Stage::Draft
    )]
    #[case::news_proposed_rules(
        "",
        "The regulator on Wednesday proposed new rules to protect minors online.",
        Stage::Draft
    )]
    #[case::news_issued_draft_for_comment(
        "",
        "On 7 October, MIIT issued the Opinions on Telecom Access (Draft for Comment), which will optimise access.",
        Stage::Draft
    )]
    #[case::news_final_then_draft_history(
        "",
        "On 22 March the CAC published the Provisions, which came into immediate effect. Compared to the draft issued for comments in September, they are looser.",
        Stage::Final
    )]
    #[case::zh_news_xiafa(
        "",
        "工信部日前下发的《“十四五”信息通信行业发展规划》提出，到2025年建成新型数字基础设施。",
        Stage::Final
    )]
    #[case::zh_report_is_not_an_instrument(
        "",
        "近日，市场监管总局发布《中国反垄断执法年度报告（2021）》。",
        Stage::Unknown
    )]
    #[case::zh_instrument_text(
        "关键信息基础设施安全保护条例",
        "第一条 为了保障关键信息基础设施安全，根据《中华人民共和国网络安全法》，制定本条例。",
        Stage::Final
    )]
    #[case::zh_jiu_zhengqiu("国家网信办就移动互联网未成年人模式建设指南征求意见", "", Stage::Draft)]
    #[case::zh_traditional("", "國家網信辦就《辦法（徵求意見稿）》公開徵求意見。", Stage::Draft)]
    #[case::en_provisions_are_drafted_on_basis(
        "",
        "Article 1: These Provisions are drafted on the basis of the Administrative Punishment Law.",
        Stage::Final
    )]
    fn detects_stage(#[case] title: &str, #[case] body: &str, #[case] expected: Stage) {
        assert_eq!(detect_stage(title, body), expected);
    }

    #[test]
    fn chinese_final_title_outranks_draft_history_in_body() {
        assert_eq!(detect_stage("关于发布《某某规定》的公告", "在公开征求意见的基础上修改完善。"), Stage::Final);
    }

    #[test]
    fn lead_evidence_outranks_later_draft_mentions() {
        let body = format!(
            "On 2 May the agency issued the Rules on Live Streaming. {} Compared with the draft for comment, Article 5 is new.",
            "Background. ".repeat(50)
        );
        assert_eq!(detect_stage("", &body), Stage::Final);
    }

    #[test]
    fn serde_and_names_agree() {
        for stage in Stage::ALL {
            let json = serde_json::to_string(&stage).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", stage.as_str()));
            assert_eq!(Stage::parse(stage.as_str()), Some(stage));
        }
    }
}
