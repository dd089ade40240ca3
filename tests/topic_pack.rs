//! The default topic pack on short texts written for these tests (not the development set):
//! one or more per topic, English and Chinese, and texts that must stay untagged.

use regwatch::classify::TopicPack;
use rstest::rstest;

#[rstest]
#[case::face_en("", "On 4 June the ministry issued rules on facial recognition in hotels. Hotels may not make face scanning the only way to check in, and face data must be deleted after checkout.", &["facial-recognition"])]
#[case::face_zh("关于规范公共场所人脸识别设备使用的通知", "商场、车站不得强制刷脸，人脸信息应当单独存储。", &["facial-recognition", "personal-information"])]
#[case::minors_zh("", "近日，国家新闻出版署发布通知，进一步严格管理，切实防止未成年人沉迷网络游戏。网络游戏企业仅可在周五、周六、周日向未成年人提供1小时服务，并落实防沉迷实名验证。", &["minors"])]
#[case::minors_en("New rules on minors' mode for short-video apps", "Apps must offer a minors mode with time limits.", &["minors"])]
#[case::personal_information_zh("App违法违规收集使用个人信息行为认定方法", "", &["personal-information"])]
#[case::cross_border_en("", "The regulator clarified when a data exporter must apply for an outbound security assessment. Personal information may be transferred abroad under a standard contract, and cross-border data flows below the thresholds are exempt.", &["cross-border-data"])]
#[case::generative_ai_zh("", "国家网信办发布《人工智能生成合成内容标识办法》。办法要求服务提供者对生成合成内容添加显式标识，并在深度合成服务中落实算法备案。", &["generative-ai"])]
#[case::cybersecurity_en("", "CNCERT reported a surge in ransomware and malware targeting industrial control systems. Operators of critical information infrastructure must patch the vulnerabilities within 48 hours.", &["cybersecurity"])]
#[case::content_zh("关于开展“清朗·网络暴力专项整治”行动的通知", "重点整治网暴信息、谣言和自媒体违规行为。", &["content-regulation"])]
#[case::telecom_en("", "MIIT will license more private firms for value-added telecommunications services and speed up 5G base station construction. Carriers must block harassment calls.", &["telecom"])]
#[case::competition_en("", "SAMR fined the platform for abuse of dominant position under the Anti-Monopoly Law. The case concerned exclusive dealing in the platform economy, which also raised unfair competition issues.", &["competition"])]
#[case::competition_zh("", "市场监管总局依法对某平台实施“二选一”垄断行为立案调查。该平台滥用市场支配地位，排除、限制竞争，违反《反垄断法》。", &["competition"])]
#[case::national_security_zh("中华人民共和国保守国家秘密法（修订草案）", "草案完善了定密、解密制度。", &["national-security"])]
#[case::ecommerce_zh("", "市场监管总局发布《直播电商监督管理办法》，要求直播营销平台落实主体责任，规范直播带货中的广告行为，保护网络购物消费者权益。", &["ecommerce-advertising"])]
#[case::fintech_en("", "The central bank issued rules for non-bank payment institutions. Payment services must verify merchants, and online lending platforms may not use payment accounts to pool funds.", &["fintech"])]
#[case::two_topics_zh("未成年人个人信息网络保护规定", "", &["minors", "personal-information"])]
#[case::crypto_algorithm_is_not_ai("", "商用密码产品应当采用经认证的密码算法。", &["cybersecurity"])]
#[case::minors_everyday_en("China plans to cap teenagers' smartphone screen time", "Kids under eight would get 40 minutes a day and teens two hours, with parents able to extend the limits.", &["minors"])]
#[case::app_ban_en("Washington moves to ban Chinese apps", "Officials say the apps pose a national security risk. Intelligence agencies warned that the data they gather could reach Beijing.", &["national-security"])]
#[case::posting_rules_en("New rules make platforms review comments before they appear", "Sites must hire moderators, delete posts that spread fake news and keep a blacklist of accounts.", &["content-regulation"])]
#[case::data_leaving_en("", "Data of Chinese citizens may not leave the country without a security assessment, the regulator said; firms that send user data abroad must sign a standard contract.", &["cross-border-data", "personal-information"])]
#[case::traditional_zh("網信辦通報違法收集使用個人信息的App", "多款App違規收集個人信息，未經用戶同意索取通訊錄權限。", &["personal-information"])]
fn tags_its_topics(#[case] title: &str, #[case] body: &str, #[case] expected: &[&str]) {
    let mut found: Vec<String> = TopicPack::builtin().classify_topics(title, body).into_iter().map(|m| m.id).collect();
    found.sort();
    assert_eq!(found, expected);
}

#[rstest]
#[case::weather(
    "Heavy rain expected in Beijing",
    "The meteorological bureau warned of heavy rain and advised residents to stay indoors."
)]
#[case::passing_mentions(
    "Provincial budget report",
    "The report covers roads, schools, hospitals and farming subsidies. It mentions children once and artificial intelligence once, as future topics. Spending grew by 4% on the year."
)]
#[case::rationale_only(
    "",
    "为维护国家安全和社会公共利益，保障公共卫生，本市决定加强食品安全检查。检查覆盖餐饮、超市和农贸市场。"
)]
#[case::minor_adjective(
    "Minor amendments to the archives rules",
    "The amendments correct typographical errors in the archiving procedures."
)]
#[case::aircraft_carrier(
    "",
    "The aircraft carrier left port for sea trials, the navy said. The carrier will return next month."
)]
#[case::tax_deduction_for_children(
    "China unveils special individual income tax deductions",
    "Parents may deduct 1,000 yuan a month for each child's education; taxpayers may also deduct rent and elderly care costs."
)]
#[case::solicit_public_opinion(
    "Taxi rules revised",
    "The transport bureau drafted the revised taxi measures and solicits public opinions until July 26."
)]
fn stays_untagged(#[case] title: &str, #[case] body: &str) {
    let found: Vec<String> = TopicPack::builtin().classify_topics(title, body).into_iter().map(|m| m.id).collect();
    assert!(found.is_empty(), "{found:?}");
}

/// `regwatch classify --json` through the binary: the DESIGN contract plus evidence.
#[test]
fn classify_command_prints_topics_stage_deadline_and_evidence() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let file = dir.path().join("notice.txt");
    let text = "國家網信辦就移動互聯網未成年人模式建設指南公開征求意見\n\
                為加強未成年人網絡保護，現向社會公開征求意見。未成年人模式下應限制使用時長，防止未成年人沉迷網絡。\
                意見反饋截止日期為9月2日。";
    std::fs::write(&file, text).unwrap_or_else(|e| panic!("write: {e}"));
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_regwatch"))
            .args(args)
            .arg(&file)
            .current_dir(dir.path())
            .env_remove("REGWATCH_CONFIG")
            .output()
            .unwrap_or_else(|e| panic!("regwatch: {e}"));
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let json: serde_json::Value = serde_json::from_str(&run(&["classify", "--json", "--published", "2023-08-02"]))
        .unwrap_or_else(|e| panic!("classify --json: {e}"));
    assert_eq!(json["topics"], serde_json::json!(["minors"]));
    assert_eq!(json["stage"], "draft");
    assert_eq!(json["deadline"], "2023-09-02", "the year comes from --published");
    let terms = json["evidence"]["minors"]["terms"].as_array().cloned().unwrap_or_default();
    assert!(
        terms.iter().any(|t| t["term"] == "未成年人模式" && t["found_in"] == "title"),
        "a traditional-character title still matches: {terms:?}"
    );
    let human = run(&["classify"]);
    assert!(human.contains("minors: \"") && human.contains("in the title"), "{human}");
}
