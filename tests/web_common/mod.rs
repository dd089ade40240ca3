//! The reading room's test harness: a loopback regulator site polled twice by the real binary
//! (a baseline, an edit, a second pass), then `regwatch serve` on an ephemeral port over the
//! database it left, and a small HTTP client for 127.0.0.1.

#![allow(dead_code, unreachable_pub, clippy::missing_panics_doc)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::common::{LOOPBACK_FETCH, Page, TestSite, Workspace};

/// A title no page should ever run as markup.
pub const HOSTILE_TITLE: &str = "<script>alert(1)</script>\"><img src=x onerror=alert(2)> Rules & 'quotes'";

pub const FACE_TITLE: &str = "人脸识别技术应用安全管理规定（征求意见稿）";

const FACE_V1: [&str; 5] = [
    "为规范人脸识别技术应用，现向社会公开征求意见。意见反馈截止时间为2099年9月7日。",
    "第一条 为了规范人脸识别技术应用，保护个人信息权益，制定本规定。",
    "第二条 使用人脸识别技术处理人脸信息，应当取得个人的单独同意。",
    "第三条 公共场所安装图像采集设备，应当设置显著提示标识。",
    "第四条 本规定自公布之日起施行。",
];

fn face(edited: bool) -> Vec<String> {
    let mut lines: Vec<String> = FACE_V1.iter().map(|l| (*l).to_owned()).collect();
    if edited {
        lines[2] = "第二条 使用人脸识别技术处理人脸信息，应当取得个人的单独同意；处理不满十四周岁未成年人人脸信息的，应当取得其监护人的同意。".into();
        lines.insert(3, "第三条 人脸识别技术使用者应当事前进行个人信息保护影响评估。".into());
        lines[4] = "第四条 公共场所安装图像采集设备，应当设置显著提示标识。".into();
        lines[5] = "第五条 本规定自公布之日起施行。".into();
    }
    lines
}

fn article(title: &str, paragraphs: &[String]) -> Page {
    let body: String = paragraphs.iter().map(|p| format!("<p>{}</p>", escape(p))).collect();
    Page::html(&format!(
        "<html><head><title>page</title></head><body><article><h1>{}</h1>{body}</article></body></html>",
        escape(title)
    ))
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn list(items: &[(&str, &str)]) -> Page {
    let lis: String = items
        .iter()
        .map(|(href, title)| {
            format!("<li><a href=\"{href}\" title=\"{}\">x</a><span>2026-11-20</span></li>", escape(title))
        })
        .collect();
    Page::html(&format!("<html><body><ul class=\"list\">{lis}</ul></body></html>"))
}

/// The site, the workspace and the database after two passes.
pub struct Reading {
    pub site: TestSite,
    pub workspace: Workspace,
}

impl Reading {
    /// Three documents (a Chinese draft with a deadline, an English notice, one with a hostile
    /// title); the second pass amends the draft's Article 2, inserts an Article 3 and edits the
    /// other two. `extra` is appended to the config (subscribers, `[smtp]`).
    pub fn build(extra: &str) -> Self {
        let site = TestSite::start();
        Self::publish(&site, false);
        let config = format!(
            r#"{LOOPBACK_FETCH}
[[source]]
id = "reg"
name = "Test regulator <b>&</b>"
kind = "html-list"
url = "{list}"
[source.list]
item = "ul.list li"
title = "a@title"
link = "a"
date = "span"
[source.article]
content = "article"

[web]
public_url = "http://reading.test/room/"
{extra}
"#,
            list = site.url("/list.htm")
        );
        let workspace = Workspace::new(&config);
        workspace.run(&["check"]).success();
        Self::publish(&site, true);
        workspace.run(&["check"]).success();
        Self { site, workspace }
    }

    fn publish(site: &TestSite, edited: bool) {
        site.put(
            "/list.htm",
            list(&[
                ("/face.htm", FACE_TITLE),
                ("/en.htm", "Measures on Facial Recognition"),
                ("/bad.htm", HOSTILE_TITLE),
            ]),
        );
        site.put("/face.htm", article(FACE_TITLE, &face(edited)));
        let en = if edited {
            vec![
                "Operators shall notify users before facial recognition is used.".to_owned(),
                "Fines of up to 5 million yuan apply.".to_owned(),
            ]
        } else {
            vec![
                "Operators shall notify users before facial recognition is used.".to_owned(),
                "Fines of up to 1 million yuan apply.".to_owned(),
            ]
        };
        site.put("/en.htm", article("Measures on Facial Recognition", &en));
        let bad = vec![
            format!("{HOSTILE_TITLE} body"),
            if edited { "second edition".to_owned() } else { "first edition".to_owned() },
        ];
        site.put("/bad.htm", article(HOSTILE_TITLE, &bad));
    }

    /// `docs list --json` entry whose URL ends with `path`.
    pub fn doc_id(&self, path: &str) -> i64 {
        let url = self.site.url(path);
        self.workspace.doc_by_url(&url)["id"].as_i64().unwrap()
    }
}

/// `regwatch serve` on an ephemeral loopback port; killed on drop.
pub struct Server {
    pub base: String,
    child: Child,
}

impl Server {
    pub fn start(workspace: &Workspace, extra_args: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_regwatch"))
            .arg("--config")
            .arg(workspace.config_path())
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(extra_args)
            .current_dir(workspace.path())
            .env_remove("REGWATCH_CONFIG")
            .env("RUST_LOG", "regwatch=info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut sent = false;
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if !sent && let Some(at) = line.strip_prefix("regwatch: the reading room is at ") {
                    let _ = sender.send(at.trim_end_matches('/').to_owned());
                    sent = true;
                }
            }
        });
        let base = receiver.recv_timeout(Duration::from_secs(20)).expect("serve did not report its address");
        Self { base, child }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// reqwest is built without a default crypto provider: pick ring, as the daemon does.
pub fn install_crypto() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// One answer of the server.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn text(&self) -> String {
        String::from_utf8(self.body.clone()).unwrap()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// A GET with `headers`, from a runtime of its own.
pub fn get(url: &str, headers: &[(&str, &str)]) -> Answer {
    install_crypto();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let mut request = client.get(url).timeout(Duration::from_secs(20));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.unwrap_or_else(|e| panic!("GET {url}: {e}"));
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.bytes().await.unwrap().to_vec();
        Answer { status, headers, body }
    })
}
