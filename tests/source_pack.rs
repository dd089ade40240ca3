//! The shipped source pack (`config/sources/*.toml`), every entry enabled and run through the
//! binary against saved sample pages (`tests/fixtures/sources/`) served on 127.0.0.1: each
//! publisher's file has its origins rewritten to local sites and nothing else changed.

#[path = "alert_common/mod.rs"]
mod alert_common;
#[path = "attachment_docs/mod.rs"]
mod attachment_docs;
mod common;

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use common::{LOOPBACK_FETCH, Page, TestSite, Workspace};
use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A pack file run against local copies of its sites.
struct Pack {
    ws: Workspace,
    sites: HashMap<&'static str, TestSite>,
}

impl Pack {
    /// Loads `config/sources/<stem>.toml` with each of `origins` pointing at a local site and
    /// every entry enabled.
    fn load(stem: &str, origins: &[&'static str]) -> Self {
        let sites: HashMap<&'static str, TestSite> = origins.iter().map(|o| (*o, TestSite::start())).collect();
        let mut pack = Self { ws: Workspace::new(""), sites };
        let text = std::fs::read_to_string(root().join(format!("config/sources/{stem}.toml"))).unwrap();
        let text = pack.localise(&text).replace("enabled = false", "enabled = true");
        for origin in origins {
            assert!(!text.contains(origin), "{stem}.toml still names {origin}");
        }
        pack.ws = Workspace::new(&format!("include = [\"pack.toml\"]\n{LOOPBACK_FETCH}"));
        pack.ws.write("pack.toml", &text);
        pack
    }

    /// Adds a webhook subscriber to every topic and event.
    fn subscribe(&self, hook: &url::Url) {
        let path = self.ws.path().join("pack.toml");
        let text = std::fs::read_to_string(&path).unwrap();
        let subscriber = format!("\n[[subscriber]]\nid = \"desk\"\nwebhook = \"{hook}\"\ntopics = [\"*\"]\n");
        std::fs::write(path, text + &subscriber).unwrap();
    }

    /// `text` with every origin replaced by its local site's.
    fn localise(&self, text: &str) -> String {
        self.sites.iter().fold(text.to_owned(), |text, (origin, site)| text.replace(origin, &site.url("")))
    }

    fn site(&self, origin: &str) -> &TestSite {
        &self.sites[origin]
    }

    /// Serves a saved sample, its links pointing at the local sites.
    fn serve(&self, origin: &str, path: &str, fixture: &str) -> Page {
        let text = std::fs::read_to_string(root().join("tests/fixtures/sources").join(fixture)).unwrap();
        let content_type = match Path::new(fixture).extension().and_then(|e| e.to_str()) {
            Some("json") => "application/json;charset=UTF-8",
            Some("xml") => "application/rss+xml; charset=UTF-8",
            _ => "text/html; charset=utf-8",
        };
        let page = Page::bytes(content_type, self.localise(&text).into_bytes());
        self.site(origin).put(path, page.clone());
        page
    }

    fn check(&self) -> Vec<Value> {
        self.ws.run(&["check"]).success();
        self.ws.docs()
    }

    fn doc(&self, origin: &str, path: &str) -> Value {
        self.ws.doc_by_url(&self.site(origin).url(path))
    }

    /// The stored text of a document's latest version, line by line.
    fn text(&self, doc: &Value) -> Vec<String> {
        let store = regwatch::store::Store::open_read_only(&self.ws.path().join("regwatch.db")).unwrap();
        let id = regwatch::ids::DocId(doc["id"].as_i64().unwrap());
        store.latest_version(id).unwrap().unwrap().blocks.lines().to_vec()
    }

    fn errors(&self) -> Vec<(String, String)> {
        let rows = self.ws.run(&["sources", "list", "--json"]).success().json();
        rows.as_array()
            .unwrap()
            .iter()
            .filter_map(|r| Some((r["id"].as_str()?.to_owned(), r["last_error"].as_str()?.to_owned())))
            .collect()
    }
}

fn titles(docs: &[Value], source: &str) -> Vec<String> {
    let mut titles: Vec<String> = docs
        .iter()
        .filter(|d| d["source_id"] == source && d["parent_id"].is_null())
        .map(|d| d["title"].as_str().unwrap().to_owned())
        .collect();
    titles.sort();
    titles
}

fn topics(doc: &Value) -> Vec<&str> {
    doc["topics"].as_array().unwrap().iter().filter_map(Value::as_str).collect()
}

const CAC: &str = "https://www.cac.gov.cn";

#[test]
fn cac() {
    let pack = Pack::load("cac", &[CAC]);
    pack.serve(CAC, "/hdfw/wxan/A093802index_1.htm", "cac/wxan-list.htm");
    pack.serve(CAC, "/wxzw/wxfb/A093702index_1.htm", "cac/wxfb-list.htm");
    for (path, file) in [
        ("/2026-11/20/c_1763620000000001.htm", "cac/c_1763620000000001.htm"),
        ("/2026-11/05/c_1762320000000002.htm", "cac/c_1762320000000002.htm"),
        ("/2026-10/16/c_1760600000000003.htm", "cac/c_1760600000000003.htm"),
        ("/2026-11/18/c_1763450000000004.htm", "cac/c_1763450000000004.htm"),
    ] {
        pack.serve(CAC, path, file);
    }
    // The draft itself: behind an extensionless download link, named by the response.
    let pdf = attachment_docs::pdf(&[
        "个人信息出境认证办法（征求意见稿）",
        "第一条 为了规范个人信息出境认证活动，保护个人信息权益，制定本办法。",
        "第二条 个人信息处理者通过认证方式向境外提供个人信息的，适用本办法。",
    ]);
    pack.site(CAC).put(
        "/cms/pub/interact/downloadfile.jsp?*",
        Page::bytes("application/octet-stream", pdf).with_header(
            "content-disposition",
            "attachment; filename*=UTF-8''%E4%B8%AA%E4%BA%BA%E4%BF%A1%E6%81%AF%E5%87%BA%E5%A2%83%E8%AE%A4%E8%AF%81%E5%8A%9E%E6%B3%95.pdf",
        ),
    );
    let docs = pack.check();
    assert!(pack.errors().is_empty(), "{:?}", pack.errors());
    assert_eq!(
        titles(&docs, "cac-wxan-drafts"),
        [
            "中央网信办2027年度公开招聘工作人员公告",
            "国家互联网信息办公室关于《个人信息出境认证办法（征求意见稿）》公开征求意见的通知",
            "国家互联网信息办公室关于《人脸识别技术应用安全管理办法实施细则（征求意见稿）》公开征求意见的通知",
        ],
        "full titles from the title attribute, not the truncated link text"
    );
    let draft = pack.doc(CAC, "/2026-11/20/c_1763620000000001.htm");
    assert_eq!(draft["published"], "2026-11-20");
    assert_eq!(draft["deadline"], "2026-12-20", "from 意见反馈截止时间为… in the body");
    assert_eq!(draft["stage"], "draft");
    assert!(topics(&draft).contains(&"cross-border-data"), "{draft}");
    assert_eq!(pack.doc(CAC, "/2026-11/05/c_1762320000000002.htm")["deadline"], "2026-12-05");
    let face = pack.doc(CAC, "/2026-11/05/c_1762320000000002.htm");
    assert!(topics(&face).contains(&"facial-recognition"), "{face}");
    let attachment = docs.iter().find(|d| d["parent_id"] == draft["id"]).expect("the draft PDF is a document");
    assert_eq!(attachment["format"], "pdf");
    assert_eq!(attachment["title"], "个人信息出境认证办法");
    assert_eq!(attachment["stage"], "draft", "{attachment}");
    assert_eq!(attachment["deadline"], "2026-12-20", "the notice's deadline, inherited");
    assert_eq!(titles(&docs, "cac-releases"), ["网络数据分类分级管理办法"]);
    assert_eq!(pack.doc(CAC, "/2026-11/18/c_1763450000000004.htm")["stage"], "final");
}

const MIIT: &str = "https://www.miit.gov.cn";

#[test]
fn miit() {
    let pack = Pack::load("miit", &[MIIT]);
    let shell = pack.serve(MIIT, "/gzcy/yjzj/index.html", "miit/yjzj-index.html");
    pack.site(MIIT).put("/gzcy/yjzj/index.html", shell.with_header("set-cookie", "jsessionid=miit42; Path=/"));
    let api = "/api-gateway/jpaas-publish-server/front/page/build/unit";
    let unit = pack.serve(MIIT, &format!("{api}?*"), "miit/build-unit.json");
    pack.site(MIIT).put(&format!("{api}?*"), unit.requiring_cookie("jsessionid=miit42"));
    for art in ["art_5c8e0a7d1f2b4c6e9a3d8f0b7e1c2a4d", "art_0f1e2d3c4b5a69788796a5b4c3d2e1f0"] {
        pack.serve(MIIT, &format!("/gzcy/yjzj/art/2026/{art}.html"), &format!("miit/{art}.html"));
    }
    let docs = pack.check();
    assert!(pack.errors().is_empty(), "{:?}", pack.errors());
    let hit = pack.site(MIIT).all_hits().into_iter().find(|h| h.path.starts_with(api)).unwrap();
    assert_eq!(hit.answered, 200);
    assert!(hit.path.contains("tagId=%E5%8F%B3%E4%BE%A7%E5%86%85%E5%AE%B9"), "UTF-8 query: {}", hit.path);
    assert!(hit.path.contains("webId=8d828e408d90447786ddbe128d495e9e"), "{}", hit.path);
    assert_eq!(hit.referer.as_deref(), Some(pack.site(MIIT).url("/gzcy/yjzj/index.html").as_str()));
    assert_eq!(
        titles(&docs, "miit-yjzj"),
        [
            "关于《电信业务经营许可管理办法（修订草案征求意见稿）》公开征求意见的通知",
            "工业和信息化部关于《移动互联网应用程序个人信息保护管理规定（征求意见稿）》公开征求意见的通知",
        ]
    );
    let app = pack.doc(MIIT, "/gzcy/yjzj/art/2026/art_5c8e0a7d1f2b4c6e9a3d8f0b7e1c2a4d.html");
    assert_eq!(app["published"], "2026-11-19");
    assert_eq!(app["deadline"], "2026-12-15", "the hidden endtime, over the text's 12-31");
    let telecom = pack.doc(MIIT, "/gzcy/yjzj/art/2026/art_0f1e2d3c4b5a69788796a5b4c3d2e1f0.html");
    assert_eq!(telecom["deadline"], "2026-11-23");
}

const NPC: &str = "http://www.npc.gov.cn";
const NPC_IDS: [&str; 2] = ["ff8081819a2b3c4d019a5e6f7a8b0001", "ff8081819a2b3c4d019a5e6f7a8b0002"];

fn npc_draft(second_article: &str) -> Vec<u8> {
    attachment_docs::pdf(&[
        "中华人民共和国网络安全法（修正草案二次审议稿）",
        "第一条 为了保障网络安全，维护网络空间主权和国家安全，制定本法。",
        second_article,
        "第三条 网络运营者应当按照网络安全等级保护制度的要求，履行安全保护义务。",
    ])
}

/// NPC's draft laws: a JSON API over plain http; each draft lives only in a PDF, which is
/// versioned, diffed and tagged like a page.
#[test]
fn npc() {
    let pack = Pack::load("npc", &[NPC]);
    pack.serve(NPC, "/flcaw/flca-list?*", "npc/flca-list.json");
    let pdf = |id: &str| format!("/flcaw/flca/{id}/attachment.pdf");
    pack.site(NPC).put(
        &pdf(NPC_IDS[0]),
        Page::bytes("application/pdf", npc_draft("第二条 在中华人民共和国境内建设、运营、维护和使用网络，适用本法。")),
    );
    pack.site(NPC).put(
        &pdf(NPC_IDS[1]),
        Page::bytes(
            "application/pdf",
            attachment_docs::pdf(&[
                "中华人民共和国未成年人网络保护法（草案）",
                "第一条 为了保护未成年人的网络权益，防止未成年人沉迷网络，制定本法。",
            ]),
        ),
    );
    let docs = pack.check();
    assert!(pack.errors().is_empty(), "{:?}", pack.errors());
    let hit = &pack.site(NPC).all_hits()[1];
    assert_eq!(hit.path, "/flcaw/flca-list?flag=0&page=1&per_page=100&type=0");
    assert_eq!(
        titles(&docs, "npc-flcaw-drafts"),
        ["中华人民共和国未成年人网络保护法（草案）", "中华人民共和国网络安全法（修正草案二次审议稿）"]
    );
    let item = pack.doc(NPC, &format!("/flcaw/userIndex.html?lid={}", NPC_IDS[0]));
    assert_eq!((item["published"].as_str(), item["deadline"].as_str()), (Some("2026-10-28"), Some("2026-11-26")));
    let law = pack.doc(NPC, &pdf(NPC_IDS[0]));
    assert_eq!(law["parent_id"], item["id"]);
    assert_eq!(law["stage"], "draft");
    assert_eq!(law["deadline"], "2026-11-26", "the list's deadline, inherited");
    assert!(topics(&law).contains(&"cybersecurity"), "{law}");
    let minors = pack.doc(NPC, &pdf(NPC_IDS[1]));
    assert!(topics(&minors).contains(&"minors"), "{minors}");

    // The PDF is replaced; the list stays the same.
    pack.site(NPC).put(
        &pdf(NPC_IDS[0]),
        Page::bytes(
            "application/pdf",
            npc_draft("第二条 在中华人民共和国境内以及境外建设、运营、维护和使用网络，危害国家网络安全的，适用本法。"),
        ),
    );
    pack.check();
    let law = pack.doc(NPC, &pdf(NPC_IDS[0]));
    assert_eq!(law["versions"], 2);
    let diff = pack.ws.run(&["diff", law["id"].to_string().as_str(), "--format", "json"]).success().json();
    let articles: Vec<(&str, &str)> = diff["articles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["number"].as_str().unwrap(), a["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(articles, [("2", "amended")]);
    assert_eq!(pack.doc(NPC, &pdf(NPC_IDS[1]))["versions"], 1);
}

const SAMR: &str = "https://www.samr.gov.cn";
const SAMR_DOCX: &str = "/cms_files/filemanager/1647978232/attach/202611/b3e1d2c4f5a6478990a1b2c3d4e5f607.docx";

/// SAMR's jpaas column as the live endpoint answers it: asked with the column page's own
/// query (`bulidstatic`), no cookie; rows with the period in `div.doctime` and titles whose
/// `title` attribute keeps the site's line breaks.
#[test]
fn samr() {
    let pack = Pack::load("samr", &[SAMR]);
    pack.serve(SAMR, "/hd/zjdc/", "samr/zjdc-index.html");
    let api = "/api-gateway/jpaas-publish-server/front/page/build/unit";
    pack.serve(SAMR, &format!("{api}?*"), "samr/build-unit.json");
    for art in [
        "art_3c9e2f41a7b84d0e9c1f5a6b7d8e9f01",
        "art_7d1c3b5a9e8f4a2b6c0d1e2f3a4b5c6d",
        "art_1a2b3c4d5e6f708192a3b4c5d6e7f809",
    ] {
        pack.serve(SAMR, &format!("/hd/zjdc/art/2026/{art}.html"), &format!("samr/{art}.html"));
    }
    let docx = |lines: &[&str]| {
        Page::bytes(
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            attachment_docs::docx(lines),
        )
    };
    pack.site(SAMR).put(
        &format!("{SAMR_DOCX}?*"),
        docx(&[
            "网络交易平台规则监督管理办法（征求意见稿）",
            "第一条 为了规范网络交易平台规则制定和执行活动，制定本办法。",
        ]),
    );
    pack.site(SAMR).put(
        "/cms_files/filemanager/1647978232/attach/202612/4f0c2a9e6b7d41c3a8e5f6071829304a.docx?*",
        docx(&["关于出口转内销产品强制性产品认证便利化试点的通知（征求意见稿）", "一、试点范围"]),
    );
    pack.site(SAMR).put(
        "/cms_files/filemanager/1647978232/attach/202612/9a8b7c6d5e4f40312a1b2c3d4e5f6a7b.wps?*",
        Page::bytes("application/octet-stream", b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1 wps".to_vec()),
    );
    let docs = pack.check();
    assert!(pack.errors().is_empty(), "{:?}", pack.errors());
    let hit = pack.site(SAMR).all_hits().into_iter().find(|h| h.path.starts_with(api)).unwrap();
    assert_eq!(hit.answered, 200);
    for param in [
        "parseType=bulidstatic",
        "webId=29e9522dc89d4e088a953d8cede72f4c",
        "tplSetId=5c30fb89ae5e48b9aefe3cdf49853830",
        "pageType=column",
        "tagId=%E5%86%85%E5%AE%B9%E5%8C%BA%E5%9F%9F",
        "editType=null",
        "pageId=b00644872e354a96b66e3cd954e9996f",
    ] {
        assert!(hit.path.contains(param), "{param} missing from {}", hit.path);
    }
    assert_eq!(hit.referer.as_deref(), Some(pack.site(SAMR).url("/hd/zjdc/").as_str()));
    assert_eq!(
        titles(&docs, "samr-zjdc"),
        [
            "市场监管总局关于公开征求《关于出口转内销产品强制性产品认证便利化试点的通知（征求意见稿）》意见的通知",
            "市场监管总局关于公开征求《明码标价和禁止价格欺诈规定（修订征求意见稿）》意见的公告",
            "市场监管总局关于公开征求《网络交易平台规则监督管理办法（征求意见稿）》意见的公告",
        ],
        "every row but the header, whole titles without the title attribute's line breaks"
    );
    let export = pack.doc(SAMR, "/hd/zjdc/art/2026/art_3c9e2f41a7b84d0e9c1f5a6b7d8e9f01.html");
    assert_eq!((export["published"].as_str(), export["deadline"].as_str()), (Some("2026-12-03"), Some("2027-01-02")));
    assert_eq!(export["stage"], "draft");
    let platform = pack.doc(SAMR, "/hd/zjdc/art/2026/art_7d1c3b5a9e8f4a2b6c0d1e2f3a4b5c6d.html");
    assert_eq!(
        (platform["published"].as_str(), platform["deadline"].as_str()),
        (Some("2026-11-10"), Some("2026-12-10"))
    );
    assert_eq!(
        pack.text(&platform),
        [
            "为规范网络交易平台规则制定和执行活动，市场监管总局起草了《网络交易平台规则监督管理办法（征求意见稿）》，现向社会公开征求意见。",
            "公众可通过电子邮件或信函提出意见。",
        ],
        "the body alone: no breadcrumb, no attachment box, no footer"
    );
    let attachment = docs.iter().find(|d| d["parent_id"] == platform["id"]).expect("the draft DOCX is a document");
    assert!(attachment["url"].as_str().unwrap().starts_with(&pack.site(SAMR).url(SAMR_DOCX)), "{attachment}");
    assert_eq!(attachment["format"], "docx");
    assert_eq!(attachment["title"], "网络交易平台规则监督管理办法（征求意见稿）");
    // The .wps feedback form is recorded, unread; the first, empty attachment box gives nothing.
    let export_files: Vec<&str> =
        docs.iter().filter(|d| d["parent_id"] == export["id"]).filter_map(|d| d["format"].as_str()).collect();
    assert_eq!(export_files.len(), 2, "{docs:#?}");
    // Only the attachment box is searched: the footer's help PDF is never fetched.
    assert!(pack.site(SAMR).hits("/zw/zfxxgk/fdzdgknr/bgt/art/2023/art_help.pdf").is_empty());
}

const TC260: &str = "https://www.tc260.org.cn";

#[test]
fn tc260() {
    let pack = Pack::load("tc260", &[TC260]);
    pack.serve(TC260, "/front/bzzqyjList.html?*", "tc260/bzzqyjList.html");
    for id in ["20261120093011", "20261105150022"] {
        let path = format!("/front/bzzqyjDetail.html?id={id}&norm_id={id}&recode_id=1");
        pack.serve(TC260, &path, &format!("tc260/detail-{id}.html"));
    }
    for day in ["2026-11-20", "2026-11-05"] {
        let pdf = attachment_docs::pdf(&["网络安全技术 征求意见稿", "1 范围 本文件规定了安全基本要求。"]);
        pack.site(TC260).put(&format!("/upload/{day}/20261120093011.pdf"), Page::bytes("application/pdf", pdf));
    }
    let docs = pack.check();
    assert!(pack.errors().is_empty(), "{:?}", pack.errors());
    let list_hit = pack.site(TC260).all_hits().into_iter().find(|h| h.path.starts_with("/front/bzzqyjList")).unwrap();
    assert_eq!(list_hit.path, "/front/bzzqyjList.html?length=10&start=0");
    assert_eq!(list_hit.referer.as_deref(), Some(format!("{}/", pack.site(TC260).url("")).as_str()));
    let genai = pack.doc(TC260, "/front/bzzqyjDetail.html?id=20261120093011&norm_id=20261120093011&recode_id=1");
    assert_eq!(genai["title"], "关于国家标准《网络安全技术 生成式人工智能服务安全基本要求》征求意见稿征求意见的通知");
    assert_eq!(genai["deadline"], "2027-01-19");
    assert_eq!(genai["published"], "2026-11-20", "the detail's date, not the list's deadline");
    assert!(topics(&genai).contains(&"generative-ai"), "{genai}");
    let pi = pack.doc(TC260, "/front/bzzqyjDetail.html?id=20261105150022&norm_id=20261105150022&recode_id=1");
    assert_eq!(pi["deadline"], "2026-12-26");
    assert_eq!(titles(&docs, "tc260-drafts").len(), 2);
}

const GOV: &str = "https://www.gov.cn";

#[test]
fn gov_cn() {
    let pack = Pack::load("gov-cn", &[GOV]);
    pack.serve(GOV, "/zhengce/zhengceku/bmwj/", "gov-cn/bmwj.html");
    pack.serve(GOV, "/zhengce/zhengceku/202611/content_7051234.htm", "gov-cn/content_7051234.htm");
    pack.serve(GOV, "/zhengce/zhengceku/202611/content_7050987.htm", "gov-cn/content_7050987.htm");
    let docs = pack.check();
    assert!(pack.errors().is_empty(), "{:?}", pack.errors());
    assert_eq!(
        titles(&docs, "gov-zhengceku"),
        [
            "国家数据局关于印发《公共数据资源授权运营实施规范（试行）》的通知",
            "工业和信息化部 国家网信办关于进一步加强智能网联汽车数据安全管理的通知",
        ]
    );
    let data = pack.doc(GOV, "/zhengce/zhengceku/202611/content_7051234.htm");
    assert_eq!(data["published"], "2026-11-17");
    assert_eq!(data["stage"], "trial");
}

const MOJ: &str = "https://www.moj.gov.cn";

/// MOJ's WAF answers the first request with a 302 that sets a cookie; the prime collects it.
#[test]
fn moj() {
    let pack = Pack::load("moj", &[MOJ]);
    let list = pack.serve(MOJ, "/lfyjzj/lflfyjzj/index.html", "moj/lflfyjzj.html");
    pack.site(MOJ).put("/lfyjzj/lflfyjzj/index.html", list.behind_cookie_challenge("CT6T=waf1"));
    pack.serve(MOJ, "/lfyjzj/lflfyjzj/202611/t20261116_512345.html", "moj/t20261116_512345.html");
    pack.serve(MOJ, "/lfyjzj/lflfyjzj/202610/t20261020_510001.html", "moj/t20261020_510001.html");
    let docs = pack.check();
    assert!(pack.errors().is_empty(), "{:?}", pack.errors());
    assert_eq!(
        titles(&docs, "moj-lfyjzj"),
        [
            "关于《行政复议法实施条例（修订草案征求意见稿）》公开征求意见的通知",
            "司法部关于《网络犯罪防治法（草案征求意见稿）》公开征求意见的通知",
        ],
        "titles from the article's h1: the list cuts them short"
    );
    let crime = pack.doc(MOJ, "/lfyjzj/lflfyjzj/202611/t20261116_512345.html");
    assert_eq!((crime["published"].as_str(), crime["deadline"].as_str()), (Some("2026-11-16"), Some("2026-12-16")));
}

const NPPA: &str = "https://www.nppa.gov.cn";

#[test]
fn nppa() {
    let pack = Pack::load("nppa", &[NPPA]);
    pack.serve(NPPA, "/xxfb/ywxx/", "nppa/ywxx.html");
    pack.serve(NPPA, "/xxfb/ywxx/202611/t20261115_889911.html", "nppa/t20261115_889911.html");
    pack.serve(NPPA, "/xxfb/ywxx/202611/t20261101_889100.html", "nppa/t20261101_889100.html");
    let docs = pack.check();
    assert!(pack.errors().is_empty(), "{:?}", pack.errors());
    assert_eq!(titles(&docs, "nppa-news").len(), 2);
    let gaming = pack.doc(NPPA, "/xxfb/ywxx/202611/t20261115_889911.html");
    assert_eq!(gaming["title"], "国家新闻出版署关于进一步严格管理切实防止未成年人沉迷网络游戏的通知");
    assert_eq!(gaming["published"], "2026-11-15");
    assert!(topics(&gaming).contains(&"minors"), "{gaming}");
}

const CAIXIN: &str = "https://www.caixinglobal.com";

/// Caixin Global's China section: stories from the section's list only (not the sidebar's),
/// dated from their links, bodies without the paywall box or the closing promotions.
#[test]
fn caixin() {
    let pack = Pack::load("caixin", &[CAIXIN]);
    pack.serve(CAIXIN, "/china/", "caixin/china.html");
    let data = "/2026-11-20/china-drafts-certification-route-for-personal-data-exports-102491752.html";
    let face = "/2026-11-16/top-court-tightens-rules-on-face-recognition-in-housing-compounds-102490118.html";
    pack.serve(CAIXIN, data, "caixin/2026-11-20-102491752.html");
    pack.serve(CAIXIN, face, "caixin/2026-11-16-102490118.html");
    let docs = pack.check();
    assert!(pack.errors().is_empty(), "{:?}", pack.errors());
    assert_eq!(
        titles(&docs, "caixin-global-china"),
        [
            "China Drafts Certification Route for Personal Data Exports",
            "Top Court Tightens Rules on Face Recognition in Housing Compounds"
        ],
        "the section's stories, not the most-popular sidebar"
    );
    let story = pack.doc(CAIXIN, data);
    assert_eq!(story["published"], "2026-11-20");
    assert!(topics(&story).contains(&"cross-border-data"), "{story}");
    assert_eq!(
        pack.text(&story),
        [
            "China's cyberspace regulator has proposed a certification scheme for companies that send personal information out of the country, adding a third route to the security assessment and the standard contract.",
            "Under the draft measures, published Thursday for public comment, a personal information processor could ask an accredited body to certify its cross-border transfers. Certificates would last three years.",
            "Lawyers said the route would suit multinational groups that move employee and customer data between affiliates.",
        ]
    );
    let paywalled = pack.doc(CAIXIN, face);
    assert_eq!(paywalled["published"], "2026-11-16");
    assert_eq!(pack.text(&paywalled).len(), 1, "the lead, without the subscription box");
    assert!(topics(&paywalled).contains(&"facial-recognition"), "{paywalled}");
}

const TWOBIRDS: &str = "https://www.twobirds.com";
const NEWSLETTER: &str =
    "/en/insights/2023/china/china-technology,-media-and-telecom-bimonthly-update-july-august-issue";

/// A newsletter page watched item by item: the baseline records each item as a document; an
/// edited item and an item inserted mid-page (renumbering every later one) make exactly two
/// alerts, the edit's diff one line each way.
#[test]
fn birdandbird() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let hook = runtime.block_on(alert_common::receiver::start(alert_common::receiver::Behaviour::Accept, None));
    let pack = Pack::load("birdandbird", &[TWOBIRDS]);
    pack.subscribe(&hook.url);
    let page = pack.serve(TWOBIRDS, NEWSLETTER, "birdandbird/china-tmt-update.html");
    let docs = pack.check();
    assert!(pack.errors().is_empty(), "{:?}", pack.errors());
    let items = titles(&docs, "twobirds-china-tmt");
    assert_eq!(items.len(), 13, "{items:#?}");
    assert!(items.contains(&"Draft Amendment to the Cybersecurity Law Submitted for a Second Reading".to_owned()));
    assert!(!items.iter().any(|t| t.contains("Related") || t.contains("Key Highlights")), "{items:#?}");
    // Known by the official text its heading links, else by the page and its title.
    let cac = docs
        .iter()
        .find(|d| d["title"] == "CAC Consults on Measures for Certifying Outbound Transfers of Personal Information")
        .unwrap();
    assert_eq!(cac["url"], "https://www.cac.gov.cn/2026-11/20/c_1763620000000001.htm");
    assert!(topics(cac).contains(&"cross-border-data"), "{cac}");
    let court = docs
        .iter()
        .find(|d| d["title"] == "Supreme People's Court Issues Typical Cases on Personal Information Protection")
        .unwrap();
    let page_url = pack.site(TWOBIRDS).url(NEWSLETTER);
    assert!(
        court["url"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{page_url}#item-supreme-people-s-court-issues-typical-cases-on-")),
        "{court}"
    );
    let cnnic =
        docs.iter().find(|d| d["title"] == "CNNIC Releases Its Statistical Report on Internet Development").unwrap();
    assert_eq!(
        pack.text(cnnic),
        [
            "CNNIC Releases Its Statistical Report on Internet Development",
            "On 29 August, the China Internet Network Information Center released its semi-annual report, counting more than 1.1 billion internet users and rapid growth in the use of generative AI products.",
        ]
    );
    assert!(hook.hits().is_empty(), "the baseline alerts nobody");

    // The firm corrects one item and inserts one in the middle: every later item is renumbered.
    let html = String::from_utf8(page.body).unwrap();
    let edited = html.replace(
        "Comments on the draft may be submitted until 26 November.",
        "Comments on the draft may be submitted until 30 November.",
    );
    let renumbered = (7..=13).rev().fold(edited, |html, n| {
        html.replacen(&format!("\">{n}. "), &format!("\">{}. ", n + 1), 1).replacen(
            &format!("<h3>{n}. "),
            &format!("<h3>{}. ", n + 1),
            1,
        )
    });
    let renumbered = renumbered.replace(
        "<h3>8. Supreme People",
        "<h3>7. MPS Launches a Campaign against Online Rumours</h3>\n<p>On 3 November, the Ministry of Public Security launched a campaign against accounts that fabricate news about public emergencies.</p>\n<h3>8. Supreme People",
    );
    assert!(renumbered.contains("<h3>14. Shanghai") && renumbered.contains("<h3>8. Supreme"), "renumbered");
    pack.site(TWOBIRDS).put(NEWSLETTER, Page::html(&renumbered));
    let docs = pack.check();
    assert_eq!(titles(&docs, "twobirds-china-tmt").len(), 14);
    let mut events: Vec<Value> = hook.hits().iter().map(|h| serde_json::from_slice(&h.body).unwrap()).collect();
    events.sort_by_key(|e| e["type"].as_str().unwrap_or_default().to_owned());
    let kinds: Vec<(&str, &str)> = events
        .iter()
        .map(|e| (e["type"].as_str().unwrap(), e["data"]["document"]["title"].as_str().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("document.changed", "Draft Amendment to the Cybersecurity Law Submitted for a Second Reading"),
            ("document.new", "MPS Launches a Campaign against Online Rumours"),
        ]
    );
    let change = &events[0]["data"]["change"];
    assert_eq!((change["added_lines"].as_i64(), change["removed_lines"].as_i64()), (Some(1), Some(1)), "{change}");
    let diff = change["diff"].as_str().unwrap();
    assert!(diff.len() < 800 && diff.contains("+Comments on the draft may be submitted until 30 November."), "{diff}");
    assert!(!diff.contains("CAC") && !diff.contains("MPS"), "this item's lines only, not the page's: {diff}");
    assert!(
        events[1]["data"]["document"]["url"].as_str().unwrap().starts_with(&format!("{page_url}#item-mps-launches-"))
    );
    let court_now = docs.iter().find(|d| d["id"] == court["id"]).unwrap();
    assert_eq!(
        (court_now["url"].clone(), court_now["versions"].as_i64()),
        (court["url"].clone(), Some(1)),
        "renumbered, unchanged"
    );
}

const TRACKERS: [&str; 6] = [
    "https://digichina.stanford.edu",
    "https://www.chinalawtranslate.com",
    "https://npcobserver.com",
    "https://chinamediaproject.org",
    "https://chinacopyrightandmedia.wordpress.com",
    "https://chinascope.org",
];

#[test]
fn trackers() {
    let pack = Pack::load("trackers", &TRACKERS);
    for (origin, file) in TRACKERS.iter().zip([
        "trackers/digichina.xml",
        "trackers/chinalawtranslate.xml",
        "trackers/npcobserver.xml",
        "trackers/chinamediaproject.xml",
        "trackers/chinacopyrightandmedia.xml",
        "trackers/chinascope.xml",
    ]) {
        pack.serve(origin, "/feed/", file);
    }
    let chinascope = TRACKERS[5];
    pack.serve(chinascope, "/archives/41012", "trackers/chinascope-41012.html");
    pack.serve(chinascope, "/archives/40989", "trackers/chinascope-40989.html");
    let clt = TRACKERS[1];
    pack.serve(clt, "/en/pi-outbound-certification/", "trackers/clt-pi-outbound-certification.html");
    pack.serve(clt, "/en/minors-mode-guidelines/", "trackers/clt-minors-mode-guidelines.html");
    let docs = pack.check();
    assert!(pack.errors().is_empty(), "{:?}", pack.errors());
    let count = |source: &str| titles(&docs, source).len();
    assert_eq!(
        [
            count("digichina"),
            count("chinalawtranslate"),
            count("npcobserver"),
            count("chinamediaproject"),
            count("chinacopyrightandmedia"),
            count("chinascope")
        ],
        [3, 2, 2, 1, 1, 2]
    );
    // Chinascope's feed has excerpts: each post is read from its page, without the theme's
    // header, meta, sidebar or footer.
    let data = pack.doc(chinascope, "/archives/41012");
    assert_eq!(data["title"], "Xinhua: Beijing Sets Out a Plan for Data Property Rights");
    assert_eq!(data["published"], "2026-11-23");
    assert_eq!(
        pack.text(&data),
        [
            "Xinhua reported that the State Council approved a plan to register data resources as property, separating the rights to hold, process and trade data.",
            "The plan asks local governments to set up data registration offices and tells state-owned enterprises to list their data assets by the end of next year.",
            "Source: Xinhua, November 22, 2026",
        ]
    );
    let minors = pack.doc(chinascope, "/archives/40989");
    assert_eq!(minors["title"], "People\u{2019}s Daily Commentary on Minors Online");
    assert!(topics(&minors).contains(&"minors"), "{minors}");
    let post = pack.doc(clt, "/en/pi-outbound-certification/");
    assert_eq!(post["title"], "Personal Information Outbound Certification Measures (Draft)");
    assert!(topics(&post).contains(&"cross-border-data"), "{post}");
    assert!(topics(&post).contains(&"personal-information"), "{post}");
    let history = pack.ws.run(&["docs", "show", post["id"].to_string().as_str(), "--json"]).success().json();
    assert_eq!(history["id"], post["id"]);
}

/// Every pack file passes `config check` alongside the others, and has samples (and every
/// sample folder a pack file).
#[test]
fn every_pack_file_is_valid_and_has_samples() {
    let ws = Workspace::new("include = [\"sources/*.toml\"]\n");
    let mut stems = BTreeSet::new();
    for entry in std::fs::read_dir(root().join("config/sources")).unwrap() {
        let path = entry.unwrap().path();
        let stem = path.file_stem().unwrap().to_str().unwrap().to_owned();
        ws.write(&format!("sources/{stem}.toml"), &std::fs::read_to_string(&path).unwrap());
        stems.insert(stem);
    }
    let run = ws.run(&["config", "check"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stderr.is_empty() || !run.stderr.contains("warning"), "{}", run.stderr);
    let samples: BTreeSet<String> = std::fs::read_dir(root().join("tests/fixtures/sources"))
        .unwrap()
        .filter_map(|e| {
            let e = e.unwrap();
            e.file_type().unwrap().is_dir().then(|| e.file_name().to_str().unwrap().to_owned())
        })
        .collect();
    assert_eq!(stems, samples);
    let tested = ["birdandbird", "caixin", "cac", "gov-cn", "miit", "moj", "npc", "nppa", "samr", "tc260", "trackers"];
    assert_eq!(stems, tested.iter().map(|s| (*s).to_owned()).collect::<BTreeSet<_>>(), "a pack file without a test");
}
