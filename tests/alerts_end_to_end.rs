//! Alerts through the binary: a webhook subscriber for every topic and an email subscriber for
//! one, a baseline pass that alerts nobody, a pass with known changes, and a SIGKILL in the
//! middle of delivery that loses nothing.

#[path = "alert_common/mod.rs"]
mod alert_common;
mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use alert_common::receiver::{self, Behaviour};
use axum::http::{HeaderMap, StatusCode};
use common::{LOOPBACK_FETCH, Page, TestSite, Workspace};
use regwatch::alert::webhook;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

fn article(title: &str, paragraphs: &[&str]) -> Page {
    let body: String = paragraphs.iter().map(|p| format!("<p>{p}</p>")).collect();
    Page::html(&format!(
        "<html><head><title>{title}</title></head><body><article><h1>{title}</h1>{body}</article></body></html>"
    ))
}

fn list(items: &[(&str, &str)]) -> Page {
    let lis: String = items
        .iter()
        .map(|(href, title)| format!("<li><a href=\"{href}\">{title}</a><span>2023-08-08</span></li>"))
        .collect();
    Page::html(&format!("<html><body><ul class=\"list\">{lis}</ul></body></html>"))
}

fn site_with_two_drafts() -> TestSite {
    let site = TestSite::start();
    site.put(
        "/list.htm",
        list(&[
            ("/face.htm", "人脸识别技术应用安全管理规定（征求意见稿）"),
            ("/pay.htm", "非银行支付机构监督管理条例（征求意见稿）"),
        ]),
    );
    site.put(
        "/face.htm",
        article(
            "人脸识别技术应用安全管理规定（征求意见稿）",
            &[
                "第一条 为了规范人脸识别技术应用，保护人脸信息，制定本规定。",
                "第二条 使用人脸识别技术处理人脸信息，应当取得个人的单独同意。",
            ],
        ),
    );
    site.put(
        "/pay.htm",
        article("非银行支付机构监督管理条例（征求意见稿）", &["第一条 为了规范非银行支付机构的支付业务，制定本条例。"]),
    );
    site
}

fn config(site: &TestSite, subscribers: &str) -> String {
    format!(
        "{LOOPBACK_FETCH}\n[[source]]\nid = \"regulator\"\nname = \"A regulator\"\nkind = \"html-list\"\nurl = \"{}\"\n\
         [source.list]\nitem = \"ul.list li\"\ntitle = \"a\"\nlink = \"a\"\ndate = \"span\"\n[source.article]\ncontent = \"article\"\n{subscribers}",
        site.url("/list.htm")
    )
}

#[test]
fn webhook_gets_every_change_signed_and_email_only_its_topic() {
    alert_common::install_crypto();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let key = webhook::signing_key(SECRET).unwrap();
    let hook = runtime.block_on(receiver::start(Behaviour::Accept, Some(&key)));
    let smtp = runtime.block_on(alert_common::smtp::start(None));
    let site = site_with_two_drafts();
    let subscribers = format!(
        "[smtp]\nhost = \"127.0.0.1\"\nport = {}\ntls = \"none\"\nfrom = \"regwatch <alerts@example.org>\"\n\n\
         [[subscriber]]\nid = \"newsletter\"\nwebhook = \"{}\"\nsecret_file = \"hook.secret\"\ntopics = [\"*\"]\nschedule = \"immediate\"\n\n\
         [[subscriber]]\nid = \"face-team\"\nemail = \"face@example.org\"\ntopics = [\"facial-recognition\"]\nschedule = \"immediate\"\n",
        smtp.addr.port(),
        hook.url
    );
    let ws = Workspace::new(&config(&site, &subscribers));
    ws.write("hook.secret", SECRET);

    ws.run(&["check"]).success();
    assert!(hook.hits().is_empty(), "the baseline pass alerts nobody");
    assert!(smtp.messages().is_empty(), "the baseline pass alerts nobody");

    // Known changes: the face draft gains an article, the payments draft is amended.
    site.put(
        "/face.htm",
        article(
            "人脸识别技术应用安全管理规定（征求意见稿）",
            &[
                "第一条 为了规范人脸识别技术应用，保护人脸信息，制定本规定。",
                "第二条 公共场所安装人脸识别设备，应当设置显著提示标识。",
                "第三条 使用人脸识别技术处理人脸信息，应当取得个人的单独同意。",
            ],
        ),
    );
    site.put(
        "/pay.htm",
        article(
            "非银行支付机构监督管理条例（征求意见稿）",
            &["第一条 为了规范非银行支付机构的支付业务，防范支付风险，制定本条例。"],
        ),
    );
    ws.run(&["check"]).success();

    let hits = hook.hits();
    assert_eq!(
        hits.len(),
        2,
        "one webhook per change: {:?}",
        hits.iter().map(|h| String::from_utf8_lossy(&h.body).into_owned()).collect::<Vec<_>>()
    );
    for hit in &hits {
        assert!(hit.verified, "signature must verify with the subscriber's secret");
        let body: serde_json::Value = serde_json::from_slice(&hit.body).unwrap();
        assert_eq!(body["type"], "document.changed");
        assert_eq!(body["id"], hit.header("webhook-id").unwrap());
        assert_eq!(body["data"]["source"]["id"], "regulator");
        assert_eq!(body["data"]["document"]["stage"], "draft");
        assert!(body["data"]["document"]["id"].as_i64().unwrap() > 0);
        assert_eq!(body["data"]["change"]["from_version"], 1);
        assert_eq!(body["data"]["change"]["to_version"], 2);
        assert!(!body["data"]["change"]["diff"].as_str().unwrap().is_empty());
    }
    let face = hits
        .iter()
        .map(|h| serde_json::from_slice::<serde_json::Value>(&h.body).unwrap())
        .find(|b| b["data"]["document"]["url"] == site.url("/face.htm"))
        .expect("face change delivered");
    assert_eq!(face["data"]["change"]["summary"], "Article 2 added; Article 2 renumbered 3", "{face:#}");
    assert_eq!(face["data"]["change"]["articles"][0], serde_json::json!({"number": "2", "kind": "added"}));

    let mails = smtp.messages();
    assert_eq!(mails.len(), 1, "the email subscriber asked only for facial recognition");
    assert_eq!(mails[0].to, ["face@example.org"]);
    let text = String::from_utf8_lossy(&mails[0].data);
    assert!(text.contains("multipart/alternative"), "{text}");
    let parsed = mail_parser::MessageParser::default().parse(&mails[0].data).unwrap();
    assert!(parsed.body_text(0).unwrap().contains("人脸识别"));
    assert!(parsed.body_html(0).is_some());

    let listed = ws.run(&["deliveries", "list", "--json"]).success().json();
    assert_eq!(listed.as_array().unwrap().len(), 3);
    assert!(listed.as_array().unwrap().iter().all(|d| d["status"] == "sent" && d["attempts"] == 1), "{listed:#}");
}

/// A receiver whose answers the test switches: while `hang` is set it never answers.
#[derive(Clone, Default)]
struct Switchable {
    hang: Arc<AtomicBool>,
    ids: Arc<Mutex<Vec<String>>>,
}

async fn switchable(axum::extract::State(state): axum::extract::State<Switchable>, headers: HeaderMap) -> StatusCode {
    let id = headers.get("webhook-id").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    state.ids.lock().unwrap().push(id);
    if state.hang.load(Ordering::SeqCst) {
        tokio::time::sleep(Duration::from_secs(60)).await;
    }
    StatusCode::NO_CONTENT
}

#[test]
fn sigkill_during_delivery_loses_nothing_and_repeats_keep_their_webhook_id() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let state = Switchable::default();
    state.hang.store(true, Ordering::SeqCst);
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let hook_url = format!("http://{}/hook", listener.local_addr().unwrap());
    let app = axum::Router::new().route("/hook", axum::routing::post(switchable)).with_state(state.clone());
    runtime.spawn(async move { axum::serve(listener, app).await.unwrap() });

    let site = site_with_two_drafts();
    let subscribers = format!(
        "[[subscriber]]\nid = \"newsletter\"\nwebhook = \"{hook_url}\"\ntopics = [\"*\"]\nschedule = \"immediate\"\n"
    );
    // A short timeout keeps the claim's lease (timeout + 15 s) short for the restart below.
    let ws = Workspace::new(&config(&site, &subscribers).replace("timeout = \"5s\"", "timeout = \"3s\""));
    ws.run(&["check"]).success();
    site.put(
        "/face.htm",
        article("人脸识别技术应用安全管理规定（征求意见稿）", &["第一条 为了规范人脸识别技术应用，制定本规定。"]),
    );
    site.put(
        "/pay.htm",
        article("非银行支付机构监督管理条例（征求意见稿）", &["第一条 为了规范支付业务，制定本条例。"]),
    );

    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_regwatch"))
        .arg("--config")
        .arg(ws.config_path())
        .arg("check")
        .stderr(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while state.ids.lock().unwrap().len() < 2 {
        assert!(started.elapsed() < Duration::from_secs(30), "deliveries never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    // Both deliveries are in flight: kill the sender outright.
    child.kill().unwrap();
    child.wait().unwrap();
    let first_ids: Vec<String> = state.ids.lock().unwrap().clone();

    state.hang.store(false, Ordering::SeqCst);
    let pending = ws.run(&["deliveries", "list", "--status", "pending", "--json"]).success().json();
    assert_eq!(
        pending.as_array().unwrap().len(),
        2,
        "nothing was marked sent before the receiver answered: {pending:#}"
    );

    // The claim's lease lapses; the next run sends both again, under the same ids.
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        ws.run(&["check"]).success();
        let sent = ws.run(&["deliveries", "list", "--status", "sent", "--json"]).success().json();
        if sent.as_array().unwrap().len() == 2 {
            break;
        }
        assert!(Instant::now() < deadline, "deliveries were not resent after the lease lapsed");
        std::thread::sleep(Duration::from_secs(1));
    }
    let all_ids = state.ids.lock().unwrap().clone();
    let repeats = &all_ids[first_ids.len()..];
    let mut first_sorted = first_ids.clone();
    first_sorted.sort();
    let mut repeat_sorted = repeats.to_vec();
    repeat_sorted.sort();
    assert_eq!(first_sorted, repeat_sorted, "a repeat carries the same webhook-id");
}

#[test]
fn scheduled_subscriber_gets_a_digest_that_can_be_previewed_and_sent_now() {
    alert_common::install_crypto();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let smtp = runtime.block_on(alert_common::smtp::start(None));
    let site = site_with_two_drafts();
    let subscribers = format!(
        "[smtp]\nhost = \"127.0.0.1\"\nport = {}\ntls = \"none\"\nfrom = \"regwatch <alerts@example.org>\"\n\n\
         [[subscriber]]\nid = \"weekly-team\"\nemail = \"team@example.org\"\ntopics = [\"*\"]\nschedule = \"weekly mon 08:00 Europe/London\"\n",
        smtp.addr.port()
    );
    let ws = Workspace::new(&config(&site, &subscribers));
    ws.run(&["check"]).success();
    site.put(
        "/pay.htm",
        article(
            "非银行支付机构监督管理条例（征求意见稿）",
            &["第一条 为了规范非银行支付机构的支付业务，防范支付风险，制定本条例。"],
        ),
    );
    ws.run(&["check"]).success();
    assert!(smtp.messages().is_empty(), "a weekly subscriber waits for its digest");
    let pending = ws.run(&["deliveries", "list", "--status", "pending", "--json"]).success().json();
    assert_eq!(pending.as_array().unwrap().len(), 1);
    assert_eq!(pending[0]["channel"], "digest");

    let preview = ws.run(&["digest", "preview", "weekly-team"]).success().stdout;
    assert!(preview.contains("Subject: regwatch: 1 change"), "{preview}");
    assert!(preview.contains("非银行支付机构监督管理条例"), "{preview}");
    assert!(smtp.messages().is_empty(), "preview sends nothing");

    ws.run(&["digest", "send", "weekly-team"]).success();
    let mails = smtp.messages();
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].to, ["team@example.org"]);
    let sent = ws.run(&["deliveries", "list", "--status", "sent", "--json"]).success().json();
    assert_eq!(sent.as_array().unwrap().len(), 1);
    // Nothing left: a second send has nothing to say.
    let again = ws.run(&["digest", "send", "weekly-team"]).success().stdout;
    assert!(again.contains("nothing pending"), "{again}");
}
