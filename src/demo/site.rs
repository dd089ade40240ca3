//! The demo site's pages, generated from memory. Two editions: the first, and the edited one
//! (a draft regulation amended in place with an article inserted, a new notice on the list, a
//! blog post revised). Every page also carries furniture that changes between editions (view
//! counters, "last updated" stamps) which the demo config tells regwatch to ignore.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU8, Ordering};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edition {
    First,
    Edited,
}

/// The site; `edit` switches it to the edited edition. It also plays a subscriber's webhook
/// receiver, keeping what it was sent.
#[derive(Debug, Default)]
pub struct DemoSite {
    edition: AtomicU8,
    webhooks: Mutex<Vec<ReceivedWebhook>>,
}

/// One webhook the demo receiver accepted.
#[derive(Debug, Clone)]
pub struct ReceivedWebhook {
    pub id: String,
    pub signature: Option<String>,
    pub body: String,
}

const FACE_DRAFT_TITLE: &str =
    "国家互联网信息办公室关于《人脸识别技术应用安全管理规定（试行）（征求意见稿）》公开征求意见的通知";
const FACE_NOTICE: &str = "为规范人脸识别技术应用，国家互联网信息办公室起草了《人脸识别技术应用安全管理规定（试行）（征求意见稿）》，现向社会公开征求意见。公众可通过电子邮件或者信函方式提出反馈意见。意见反馈截止时间为2023年9月7日。";
const FACE_ARTICLES: [&str; 11] = [
    "第一条 为了规范人脸识别技术应用，保护个人信息权益和其他人身、财产权益，维护社会秩序和公共安全，根据《中华人民共和国网络安全法》《中华人民共和国数据安全法》《中华人民共和国个人信息保护法》等法律、行政法规，制定本规定。",
    "第二条 在中华人民共和国境内使用人脸识别技术处理人脸信息、提供人脸识别技术产品或者服务的，适用本规定。",
    "第三条 使用人脸识别技术处理人脸信息，应当具有特定的目的和充分的必要性，采取对个人权益影响最小的方式，并实施严格保护措施。",
    "第四条 实现相同目的或者达到同等业务要求，存在其他非生物特征识别技术方案的，应当优先选择非生物特征识别技术方案。",
    "第五条 使用人脸识别技术处理人脸信息，应当取得个人的单独同意或者依法取得书面同意。",
    "第六条 除法定条件或者取得个人单独同意外，人脸识别技术使用者不得保存人脸原始图像、图片、视频，经过匿名化处理的人脸信息除外。",
    "第七条 宾馆、银行、车站、机场、体育场馆、展览馆、博物馆、图书馆等经营场所，除法律、行政法规规定应当使用人脸识别技术验证个人身份的，不得以办理业务、提升服务质量等为由强制个人接受人脸识别技术验证个人身份。",
    "第八条 在公共场所安装图像采集、个人身份识别设备，应当为维护公共安全所必需，依法合理确定人脸信息采集区域，并设置显著提示标识。",
    "第九条 人脸识别技术使用者应当每年对图像质量、设备安全性能等进行检测评估。",
    "第十条 违反本规定的，依照有关法律、行政法规的规定处理；构成犯罪的，依法追究刑事责任。",
    "第十一条 本规定自公布之日起施行。",
];
const FACE_ARTICLE_5_EDITED: &str = "第五条 使用人脸识别技术处理人脸信息，应当取得个人的单独同意或者依法取得书面同意；处理不满十四周岁未成年人人脸信息的，应当取得未成年人的父母或者其他监护人的同意。";
const FACE_ARTICLE_INSERTED: &str =
    "人脸识别技术使用者处理人脸信息，应当事前进行个人信息保护影响评估，并对处理情况进行记录。";

const APP_FILING_TITLE: &str = "工业和信息化部关于开展移动互联网应用程序备案工作的通知";
const APP_FILING_BODY: [&str; 3] = [
    "各省、自治区、直辖市通信管理局，各相关企业：",
    "为促进移动互联网应用程序健康发展，根据《中华人民共和国反电信网络诈骗法》等法律法规，现就开展移动互联网应用程序备案工作有关事项通知如下。",
    "在中华人民共和国境内从事互联网信息服务的移动互联网应用程序主办者，应当依法履行备案手续。",
];

const EXPORT_TITLE: &str = "国家互联网信息办公室关于《个人信息出境认证办法（征求意见稿）》公开征求意见的通知";
const EXPORT_BODY: [&str; 3] = [
    "为了规范个人信息出境认证活动，促进个人信息依法有序自由流动，国家互联网信息办公室起草了《个人信息出境认证办法（征求意见稿）》，现向社会公开征求意见。",
    "第一条 为了规范个人信息出境认证活动，根据《中华人民共和国个人信息保护法》等法律、行政法规，制定本办法。",
    "第二条 个人信息处理者通过个人信息保护认证方式向境外提供个人信息的，适用本办法。",
];

impl DemoSite {
    #[must_use]
    pub fn edition(&self) -> Edition {
        if self.edition.load(Ordering::SeqCst) == 0 { Edition::First } else { Edition::Edited }
    }

    pub fn receive(&self, webhook: ReceivedWebhook) {
        self.webhooks.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(webhook);
    }

    #[must_use]
    pub fn received(&self) -> Vec<ReceivedWebhook> {
        self.webhooks.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    /// Applies the built-in edit.
    pub fn edit(&self) {
        self.edition.store(1, Ordering::SeqCst);
    }

    /// The page at `path` (no leading slash): content type and body bytes.
    #[must_use]
    pub fn render(&self, path: &str) -> Option<(&'static str, Vec<u8>)> {
        let edited = self.edition() == Edition::Edited;
        let gbk = |html: String| ("text/html", encoding_rs::GBK.encode(&html).0.into_owned());
        let utf8 = |ct: &'static str, text: String| (ct, text.into_bytes());
        match path {
            "feed.xml" => Some(utf8("application/rss+xml; charset=utf-8", feed())),
            "blog/cross-border-data-provisions/" => Some(utf8("text/html; charset=utf-8", blog_post(0, edited))),
            "blog/minors-mode-draft/" => Some(utf8("text/html; charset=utf-8", blog_post(1, edited))),
            "notices/index.htm" => Some(gbk(notice_list(edited))),
            "notices/2023-08/08/c_1691.htm" => Some(gbk(notice_page(FACE_DRAFT_TITLE, &face_draft(edited), edited))),
            "notices/2023-08/04/c_1690.htm" => Some(gbk(notice_page(APP_FILING_TITLE, &APP_FILING_BODY, edited))),
            "notices/2023-08/10/c_1692.htm" if edited => Some(gbk(notice_page(EXPORT_TITLE, &EXPORT_BODY, edited))),
            "faq.html" => Some(utf8("text/html; charset=utf-8", faq(edited))),
            _ => None,
        }
    }
}

fn face_draft(edited: bool) -> Vec<String> {
    let mut lines = vec![FACE_NOTICE.to_owned(), "人脸识别技术应用安全管理规定（试行）（征求意见稿）".to_owned()];
    if !edited {
        lines.extend(FACE_ARTICLES.iter().map(|a| (*a).to_owned()));
        return lines;
    }
    for (index, article) in FACE_ARTICLES.iter().enumerate() {
        let text = if index == 4 { FACE_ARTICLE_5_EDITED } else { article };
        if index >= 7 {
            lines.push(renumber(text, index + 2));
        } else {
            lines.push(text.to_owned());
        }
        if index == 6 {
            lines.push(format!("第八条 {FACE_ARTICLE_INSERTED}"));
        }
    }
    lines
}

/// Rewrites `第N条` at the start of an article with a new number.
fn renumber(article: &str, number: usize) -> String {
    const NUMERALS: [&str; 13] = ["", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二"];
    let rest = article.split_once(' ').map_or(article, |(_, rest)| rest);
    format!("第{}条 {rest}", NUMERALS.get(number).copied().unwrap_or_default())
}

fn views(edited: bool) -> u32 {
    if edited { 2_481 } else { 1_307 }
}

fn notice_list(edited: bool) -> String {
    let mut items = String::new();
    if edited {
        items.push_str(&list_item("2023-08/10/c_1692.htm", EXPORT_TITLE, "2023年8月10日"));
    }
    items.push_str(&list_item("2023-08/08/c_1691.htm", FACE_DRAFT_TITLE, "2023年8月8日"));
    items.push_str(&list_item("2023-08/04/c_1690.htm", APP_FILING_TITLE, "2023年8月4日"));
    format!(
        r#"<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"><title>通知公告</title></head>
<body><div class="nav"><a href="/">首页</a> &gt; 通知公告</div>
<ul class="list">{items}</ul><div class="footer">访问量：{}</div></body></html>"#,
        views(edited) * 7
    )
}

fn list_item(href: &str, title: &str, date: &str) -> String {
    format!(r#"<li><a href="{href}" title="{title}">{title}</a><span class="date">{date}</span></li>"#)
}

fn notice_page(title: &str, body: &[impl AsRef<str>], edited: bool) -> String {
    let paragraphs: String = body.iter().map(|p| format!("<p>{}</p>\n", p.as_ref())).collect();
    format!(
        r#"<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"><title>{title}_示例网信网</title></head>
<body><div class="nav"><a href="/">首页</a></div>
<div class="article"><h1>{title}</h1><div class="info">来源：示例网信网　　浏览次数：{}</div>
{paragraphs}<div class="share">分享到：微信 微博　打印本页　关闭窗口</div></div>
<script>var pagestat = {};</script></body></html>"#,
        views(edited),
        views(edited)
    )
}

const POSTS: [(&str, &str, &str); 2] = [
    (
        "Translation: Provisions on Promoting and Regulating Cross-Border Data Flows",
        "cross-border-data-provisions/",
        "Sat, 23 Mar 2024 09:00:00 +0000",
    ),
    (
        "Analysis: Draft Measures on Minors' Mode for Mobile Internet",
        "minors-mode-draft/",
        "Thu, 03 Aug 2023 08:30:00 +0000",
    ),
];

fn feed() -> String {
    let items: String = POSTS
        .iter()
        .map(|(title, slug, date)| {
            format!(
                "<item><title>{}</title><link>/blog/{slug}</link><guid isPermaLink=\"false\">demo-{slug}</guid><pubDate>{date}</pubDate><description>{}</description></item>\n",
                title.replace('\'', "&#8217;"),
                "A summary of the post."
            )
        })
        .collect();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>China Regulation Watch (demo)</title><link>/blog/</link><description>Translations of new rules</description>
<generator>https://wordpress.org/?v=6.4</generator>
{items}</channel></rss>"#
    )
}

fn blog_post(index: usize, edited: bool) -> String {
    let (title, ..) = POSTS.get(index).copied().unwrap_or(POSTS[0]);
    let paragraphs: Vec<&str> = match (index, edited) {
        (0, _) => vec![
            "The Cyberspace Administration of China released the final Provisions on Promoting and Regulating Cross-Border Data Flows.",
            "Data handlers exporting personal information of fewer than 100,000 individuals a year are exempt from the outbound data security assessment.",
            "Important data must still pass the security assessment before it leaves the territory.",
        ],
        (_, false) => vec![
            "The draft Measures would require a minors' mode on apps, devices and app stores, with time limits by age group.",
            "Comments are due by September 2, 2023.",
        ],
        (_, true) => vec![
            "The draft Measures would require a minors' mode on apps, devices and app stores, with time limits by age group.",
            "The comment period was extended: comments are now due by September 15, 2023.",
            "Smart devices sold in China would need a minors' mode switch at first start-up.",
        ],
    };
    let body: String = paragraphs.iter().map(|p| format!("<p>{p}</p>\n")).collect();
    format!(
        r#"<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title} – China Regulation Watch</title></head>
<body><nav><a href="/">Home</a> <a href="/blog/">Blog</a></nav>
<article><h1 class="entry-title">{title}</h1><div class="entry-content">{body}
<div class="sharedaddy">Share this: Twitter Facebook</div></div>
<p class="updated">Last updated: {}</p></article>
<footer>© China Regulation Watch</footer></body></html>"#,
        if edited { "August 12, 2023 10:02" } else { "August 4, 2023 18:45" }
    )
}

fn faq(edited: bool) -> String {
    format!(
        r#"<!DOCTYPE html><html><head><meta charset="utf-8"><title>Data export FAQ</title></head>
<body><div class="entry"><h1>Data export compliance FAQ</h1>
<p>Which transfers need a security assessment? Transfers of important data, and of personal information above the thresholds.</p>
<p>Page generated at {}</p></div></body></html>"#,
        if edited { "2023-08-12 10:02:11" } else { "2023-08-04 18:45:09" }
    )
}
