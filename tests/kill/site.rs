//! The site under test: two regulators' list pages on a loopback `TestSite`, whose documents
//! are added and edited every round (new drafts, finals of drafts, amended, inserted and
//! removed articles), and the record of every text each article URL ever served.
//!
//! Not here: running regwatch or reading its database (`process`, `snapshot`).

use std::collections::HashMap;
use std::time::Duration;

use crate::common::{Page, TestSite};

/// The sources, in config order; each has a list page at `/{id}/list.htm`.
pub const SOURCES: [&str; 2] = ["gazette", "bulletin"];

/// How many documents a list page shows, newest first: older ones fall off, as on real
/// regulator sites, so a poll's work stays bounded however long the harness runs.
const LISTED: usize = 12;

/// Documents each source starts with (the baseline).
const SEEDED: usize = 5;

/// What a document is about: decides its title and most of its articles, and so its topics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Theme {
    Faces,
    Minors,
    Plain,
}

const FACES: &[&str] = &[
    "使用人脸识别技术处理人脸信息，应当取得个人的单独同意。",
    "公共场所安装人脸识别设备，应当设置显著提示标识。",
    "不得将人脸识别作为验证个人身份的唯一方式。",
    "人脸信息处理者应当采取数据加密、访问控制等安全措施，防止人脸信息泄露。",
    "处理不满十四周岁未成年人人脸信息的，应当取得其监护人的同意。",
];
const MINORS: &[&str] = &[
    "网络服务提供者应当为未成年人提供青少年模式，限制使用时段和时长。",
    "网络游戏服务提供者应当建立健全防沉迷制度，不得向未成年人提供诱导沉迷的产品。",
    "学校应当加强未成年人网络素养教育，引导未成年人安全合理使用网络。",
    "监护人应当履行对未成年人的网络保护职责，预防和干预未成年人沉迷网络。",
];
const PLAIN: &[&str] = &[
    "本办法所称电力设施，包括发电设施、变电设施和电力线路设施。",
    "任何单位和个人不得在电力设施保护区内堆放杂物、修建建筑物。",
    "县级以上人民政府农业农村主管部门负责本行政区域内农业机械的安全监督管理工作。",
    "违反本办法规定的，由主管部门责令改正，给予警告，可以并处罚款。",
    "有关部门应当建立健全投诉举报制度，及时处理投诉举报。",
    "港口经营人应当按照规定配备与经营规模相适应的安全设施。",
];

impl Theme {
    fn pick(rng: &mut fastrand::Rng) -> Self {
        match rng.u8(0..10) {
            0..=2 => Self::Faces,
            3..=5 => Self::Minors,
            _ => Self::Plain,
        }
    }

    fn subject(self, rng: &mut fastrand::Rng) -> &'static str {
        let subjects: &[&'static str] = match self {
            Self::Faces => &["人脸识别技术应用安全管理", "生物特征信息保护"],
            Self::Minors => &["未成年人网络保护", "网络游戏防沉迷管理"],
            Self::Plain => &["电力设施保护", "农业机械安全监督", "港口经营管理", "气象灾害防御"],
        };
        subjects[rng.usize(0..subjects.len())]
    }

    /// An article: mostly on the document's theme, sometimes on another (so a change's topics
    /// are not always its document's).
    fn clause(self, rng: &mut fastrand::Rng) -> String {
        let pool = match (rng.u8(0..10), self) {
            (0, _) | (2.., Self::Faces) => FACES,
            (1, _) | (2.., Self::Minors) => MINORS,
            (2.., Self::Plain) => PLAIN,
        };
        pool[rng.usize(0..pool.len())].to_owned()
    }
}

#[derive(Debug, Clone)]
struct Doc {
    id: usize,
    source: usize,
    theme: Theme,
    title: String,
    /// The articles' texts; numbers are given when rendered, so an insertion renumbers.
    articles: Vec<String>,
    rev: usize,
}

impl Doc {
    fn path(&self) -> String {
        format!("/{}/doc-{}.htm", SOURCES[self.source], self.id)
    }

    /// The block text regwatch should read from the page: heading, edition line, articles.
    fn lines(&self) -> Vec<String> {
        let mut lines = vec![self.title.clone(), format!("本文件编号KH-{}，第{}次修改稿。", self.id, self.rev)];
        lines.extend(self.articles.iter().enumerate().map(|(i, text)| format!("第{}条 {text}", chinese(i + 1))));
        lines
    }

    fn page(&self, rng: &mut fastrand::Rng) -> Page {
        let mut lines = self.lines().into_iter();
        let heading = lines.next().unwrap_or_default();
        let paragraphs: String = lines.map(|l| format!("<p>{l}</p>")).collect();
        let html = format!(
            "<html><head><title>{heading}</title></head><body><div class=\"nav\">首页 | 政策法规</div>\
             <article><h1>{heading}</h1>{paragraphs}</article><div class=\"footer\">版权所有</div></body></html>"
        );
        // Pages answer at different speeds, so polls take a while and kills land inside them.
        Page::html(&html).with_delay(Duration::from_millis(rng.u64(0..60)))
    }
}

/// 1 → 一, 12 → 十二, 21 → 二十一 (articles stay below a hundred).
fn chinese(n: usize) -> String {
    const DIGITS: [&str; 10] = ["", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match (n / 10, n % 10) {
        (0, ones) => DIGITS[ones].to_owned(),
        (1, ones) => format!("十{}", DIGITS[ones]),
        (tens, ones) => format!("{}十{}", DIGITS[tens % 10], DIGITS[ones]),
    }
}

/// What one round changed on the site.
#[derive(Debug, Default, Clone, Copy)]
pub struct Mutation {
    pub added: usize,
    pub finals: usize,
    pub edited: usize,
}

/// The site and its history.
pub struct Site {
    pub server: TestSite,
    docs: Vec<Doc>,
    /// Article URL → the lines of each revision it served, by revision number.
    served: HashMap<String, Vec<Vec<String>>>,
}

impl Site {
    /// Starts the server with a few documents per source.
    pub fn start(rng: &mut fastrand::Rng) -> Self {
        let mut site = Self { server: TestSite::start(), docs: Vec::new(), served: HashMap::new() };
        for source in 0..SOURCES.len() {
            for _ in 0..SEEDED {
                site.add(rng, source, None);
            }
        }
        site.publish_lists();
        site
    }

    pub fn list_url(&self, source: usize) -> String {
        self.server.url(&format!("/{}/list.htm", SOURCES[source]))
    }

    /// Changes the site: new documents (now and then the final text of a listed draft), then
    /// edits to listed ones.
    pub fn mutate(&mut self, rng: &mut fastrand::Rng) -> Mutation {
        let mut mutation = Mutation::default();
        let added = match rng.u8(0..10) {
            0..=2 => 0,
            3..=7 => 1,
            _ => 2,
        };
        for _ in 0..added {
            let source = rng.usize(0..SOURCES.len());
            let drafts: Vec<usize> =
                self.listed().filter(|d| d.title.ends_with("（征求意见稿）")).map(|d| d.id).collect();
            let final_of = if rng.u8(0..10) == 0 { rng.choice(drafts) } else { None };
            mutation.finals += usize::from(final_of.is_some());
            self.add(rng, source, final_of);
            mutation.added += 1;
        }
        let fresh = self.docs.len() - added;
        let mut editable: Vec<usize> = self.listed().map(|d| d.id).filter(|id| *id < fresh).collect();
        rng.shuffle(&mut editable);
        let edits = match rng.u8(0..20) {
            0..=9 => 1,
            10..=16 => 2,
            _ => 3,
        };
        for id in editable.into_iter().take(edits) {
            self.edit(rng, id);
            mutation.edited += 1;
        }
        self.publish_lists();
        mutation
    }

    /// The source, URL and lines of every document a list page shows now, at its current
    /// revision.
    pub fn listed_now(&self) -> Vec<(usize, String, Vec<String>)> {
        self.listed().map(|d| (d.source, self.server.url(&d.path()), d.lines())).collect()
    }

    /// Which revision of `url` these lines are, if the site ever served them.
    pub fn revision_of(&self, url: &str, lines: &[String]) -> Option<usize> {
        let path = url.strip_prefix(&self.server.url(""))?;
        self.served.get(path)?.iter().position(|served| served == lines)
    }

    fn listed(&self) -> impl Iterator<Item = &Doc> {
        (0..SOURCES.len()).flat_map(|source| self.docs.iter().rev().filter(move |d| d.source == source).take(LISTED))
    }

    fn add(&mut self, rng: &mut fastrand::Rng, source: usize, final_of: Option<usize>) {
        let id = self.docs.len();
        let doc = if let Some(draft) = final_of.and_then(|d| self.docs.get(d)) {
            // The adopted text: the draft's title without its label, one article reworded.
            let mut articles = draft.articles.clone();
            let at = rng.usize(0..articles.len());
            articles[at] = draft.theme.clause(rng);
            let title = draft.title.trim_end_matches("（征求意见稿）").to_owned();
            Doc { id, source, theme: draft.theme, title, articles, rev: 0 }
        } else {
            let theme = Theme::pick(rng);
            let label = if rng.bool() { "（征求意见稿）" } else { "" };
            let title = format!("{}办法（第{id}号）{label}", theme.subject(rng));
            let articles = (0..rng.usize(3..7)).map(|_| theme.clause(rng)).collect();
            Doc { id, source, theme, title, articles, rev: 0 }
        };
        self.serve(rng, &doc);
        self.docs.push(doc);
    }

    fn edit(&mut self, rng: &mut fastrand::Rng, id: usize) {
        let Some(mut doc) = self.docs.get(id).cloned() else { return };
        let at = rng.usize(0..doc.articles.len());
        match rng.u8(0..20) {
            // Removing keeps at least two articles, so there is always something to amend.
            0..=2 if doc.articles.len() > 2 => {
                doc.articles.remove(at);
            }
            3..=7 => doc.articles.insert(at, doc.theme.clause(rng)),
            _ => doc.articles[at] = doc.theme.clause(rng),
        }
        doc.rev += 1;
        self.serve(rng, &doc);
        self.docs[id] = doc;
    }

    fn serve(&mut self, rng: &mut fastrand::Rng, doc: &Doc) {
        self.server.put(&doc.path(), doc.page(rng));
        self.served.entry(doc.path()).or_default().push(doc.lines());
    }

    fn publish_lists(&self) {
        for (source, id) in SOURCES.iter().enumerate() {
            let items: String = self
                .docs
                .iter()
                .rev()
                .filter(|d| d.source == source)
                .take(LISTED)
                .map(|d| {
                    let date = format!("2025-{:02}-{:02}", 1 + (d.id / 28) % 12, 1 + d.id % 28);
                    format!("<li><a href=\"{}\">{}</a><span>{date}</span></li>", d.path(), d.title)
                })
                .collect();
            let html = format!("<html><body><h2>政策文件</h2><ul class=\"list\">{items}</ul></body></html>");
            self.server.put(&format!("/{id}/list.htm"), Page::html(&html));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::chinese;

    #[test]
    fn article_numbers_read_as_chinese() {
        assert_eq!(chinese(1), "一");
        assert_eq!(chinese(10), "十");
        assert_eq!(chinese(12), "十二");
        assert_eq!(chinese(20), "二十");
        assert_eq!(chinese(37), "三十七");
    }
}
