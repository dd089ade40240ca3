//! `config check` as a user meets it: the shipped example loads cleanly, and broken configs
//! are reported all at once, each problem with its file, exact line and key.

use std::path::{Path, PathBuf};
use std::time::Duration;

use regwatch::config::model::{Channel, PrivateNetworks, Schedule, SmtpTls, SourceKind};
use regwatch::config::{ConfigErrors, ConfigIssue, Loaded, Severity, load_with};

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("config/regwatch.toml")
}

fn example_env(name: &str) -> Option<String> {
    match name {
        "REGWATCH_SMTP_PASSWORD" => Some("smtp-secret".to_owned()),
        "REGWATCH_HOOK_SECRET" => Some("hook-secret".to_owned()),
        "REGWATCH_WEB_PASSWORD" => Some("web-secret".to_owned()),
        _ => None,
    }
}

/// The built-in pack's topic ids, which subscribers may name besides the config's own topics.
fn builtin_topics() -> Vec<String> {
    regwatch::classify::TopicPack::builtin().ids().map(str::to_owned).collect()
}

fn no_env(_: &str) -> Option<String> {
    None
}

/// A folder of config files, written from `(relative path, contents)` pairs.
fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

/// `name:line: key: message` with the file relative to `dir`, so expectations read like output.
fn shown(dir: &Path, issue: &ConfigIssue) -> String {
    let relative =
        ConfigIssue { file: issue.file.strip_prefix(dir).unwrap_or(&issue.file).to_path_buf(), ..issue.clone() };
    relative.to_string()
}

fn errors_of(dir: &Path, main: &str) -> Vec<String> {
    let result = load_with(&dir.join(main), &no_env, &builtin_topics());
    let ConfigErrors(issues) = result.expect_err("config should be refused");
    issues.iter().map(|issue| shown(dir, issue)).collect()
}

fn loaded(dir: &Path, main: &str) -> Loaded {
    match load_with(&dir.join(main), &no_env, &builtin_topics()) {
        Ok(loaded) => loaded,
        Err(errors) => panic!("config refused:\n{errors}"),
    }
}

#[test]
fn the_example_loads_without_errors_or_warnings() {
    let loaded = match load_with(&example(), &example_env, &builtin_topics()) {
        Ok(loaded) => loaded,
        Err(errors) => panic!("example refused:\n{errors}"),
    };
    assert!(loaded.warnings.is_empty(), "{:#?}", loaded.warnings);
    let config = loaded.config;
    let debug = format!("{config:?}");
    assert!(!debug.contains("smtp-secret") && !debug.contains("hook-secret"));
    assert!(config.storage.database.is_absolute());
    assert!(config.storage.database.ends_with("config/regwatch.db"));
    let ids: Vec<&str> = config.sources.iter().map(|s| s.id.as_str()).collect();
    // The file's own examples first, then the shipped pack it includes (config/sources/*.toml).
    assert_eq!(ids[..5], ["cac-drafts", "miit-drafts", "npc-drafts", "npc-observer", "clt-genai-measures"]);
    assert!(ids.contains(&"digichina"), "{ids:?}");
    let miit = &config.sources[1];
    assert_eq!(miit.request.prime.as_ref().unwrap().as_str(), "https://www.miit.gov.cn/gzcy/yjzj/index.html");
    assert!(
        miit.url.as_str().ends_with(
            "/unit?pageId=ff3aac0962cb45e48e8e4da69450e847&parseType=buildstatic&webId=8d828e408d90447786ddbe128d495e9e"
        ),
        "{}",
        miit.url
    );
    assert_eq!(miit.request.headers[0].0.as_str(), "referer");
    assert_eq!(miit.request.timeout, Some(std::time::Duration::from_secs(60)));
    let npc = &config.sources[2];
    assert_eq!(npc.kind, SourceKind::JsonList);
    assert_eq!(npc.json.as_ref().unwrap().items.as_str(), "rows");
    assert!(!npc.follow);
    let cac = &config.sources[0];
    assert_eq!(cac.kind, SourceKind::HtmlList);
    let list = cac.list.as_ref().unwrap();
    assert_eq!(list.title.source, "h5 a@title");
    assert_eq!(list.title.attribute.as_deref(), Some("title"));
    assert_eq!(list.link.attribute, None);
    assert_eq!(cac.article.ignore_text.len(), 3);
    assert_eq!(cac.recheck_window, Duration::from_secs(30 * 86_400));
    assert!(config.sources[1].follow);
    assert!(!config.sources[2].follow);
    let topics: Vec<&str> = config.topics.iter().map(|t| t.id.as_str()).collect();
    // The example's own topic, then the shipped pack it includes (config/topics.toml).
    let mut expected = vec!["tc260-standards"];
    let builtin = regwatch::classify::TopicPack::builtin_specs().unwrap();
    expected.extend(builtin.iter().map(|t| t.id.as_str()));
    assert_eq!(topics, expected);
    let smtp = config.smtp.unwrap();
    assert_eq!((smtp.port, smtp.tls), (587, SmtpTls::StartTls));
    assert_eq!(config.subscribers.len(), 2);
    assert!(matches!(config.subscribers[0].schedule, Schedule::Daily { .. }));
    assert!(matches!(config.subscribers[1].channel, Channel::Webhook(_)));
    assert_eq!(config.subscribers[1].topics, None);
    assert_eq!(config.subscribers[1].events.len(), 5);
    assert_eq!(config.fetch.private_networks, PrivateNetworks::Deny);
}

#[test]
fn the_example_names_its_unset_secrets_with_their_lines() {
    let errors = load_with(&example(), &no_env, &builtin_topics()).unwrap_err();
    let text = std::fs::read_to_string(example()).unwrap();
    let line_of = |needle: &str| text.lines().position(|l| l.starts_with(needle)).unwrap() + 1;
    let line_after = |section: &str, needle: &str| {
        let start = text.lines().position(|l| l.starts_with(section)).unwrap();
        text.lines().skip(start).position(|l| l.starts_with(needle)).unwrap() + start + 1
    };
    let got: Vec<(Option<usize>, &str, &str)> =
        errors.0.iter().map(|i| (i.line, i.key.as_str(), i.message.as_str())).collect();
    assert_eq!(
        got,
        [
            (
                Some(line_after("[web]", "password_env")),
                "web.password_env",
                "environment variable `REGWATCH_WEB_PASSWORD` is not set"
            ),
            (
                Some(line_after("[smtp]", "password_env")),
                "smtp.password_env",
                "environment variable `REGWATCH_SMTP_PASSWORD` is not set"
            ),
            (
                Some(line_of("secret_env")),
                "subscriber[1].secret_env",
                "environment variable `REGWATCH_HOOK_SECRET` is not set"
            ),
        ]
    );
}

#[test]
fn unknown_keys_are_named_with_their_lines() {
    let dir = tree(&[(
        "regwatch.toml",
        "[fetch]\ntimeout = \"30s\"\ntimout = \"5s\"\n\n[[source]]\nid = \"a\"\nkind = \"feed\"\nurl = \"https://example.org/feed\"\nintervall = \"1h\"\ncolour = \"red\"\n\n[source.list]\nitme = \"li\"\n\n[sources]\n",
    )]);
    assert_eq!(
        errors_of(dir.path(), "regwatch.toml"),
        [
            "regwatch.toml:3: fetch.timout: unknown key `timout`; did you mean `timeout`?",
            "regwatch.toml:9: source[0].intervall: unknown key `intervall`; did you mean `interval`?",
            "regwatch.toml:10: source[0].colour: unknown key `colour`; expected one of: id, name, kind, url, enabled, interval, follow, encoding, max_items, recheck_window, recheck_interval, strip_params, request, list, json, article, attachments",
            "regwatch.toml:12: source[0].list: [source.list] applies to html-list sources only; this source is `feed`",
            "regwatch.toml:13: source[0].list.itme: unknown key `itme`; did you mean `item`?",
            "regwatch.toml:15: sources: unknown key `sources`; did you mean `source`?",
        ]
    );
}

#[test]
fn bad_durations_and_sizes_say_what_is_expected() {
    let dir = tree(&[(
        "regwatch.toml",
        "[fetch]\nmax_body = \"10 megs\"\nper_host_delay = \"1.5s\"\n\n[[source]]\nid = \"a\"\nkind = \"feed\"\nurl = \"https://example.org/feed\"\ninterval = \"5 minutes\"\nrecheck_window = \"forever\"\n",
    )]);
    assert_eq!(
        errors_of(dir.path(), "regwatch.toml"),
        [
            "regwatch.toml:2: fetch.max_body: invalid size `10 megs`: expected e.g. 512KiB, 10MiB, 1GB or a number of bytes",
            "regwatch.toml:3: fetch.per_host_delay: invalid duration `1.5s`: expected e.g. 30s, 5m, 1h",
            "regwatch.toml:9: source[0].interval: invalid duration `5 minutes`: expected e.g. 30s, 5m, 1h",
            "regwatch.toml:10: source[0].recheck_window: invalid duration `forever`: expected e.g. 30s, 5m, 1h",
        ]
    );
}

#[test]
fn short_intervals_are_refused_below_a_second_and_warned_below_a_minute() {
    let source = |id: &str, interval: &str| {
        format!(
            "[[source]]\nid = \"{id}\"\nkind = \"feed\"\nurl = \"https://example.org/{id}\"\ninterval = \"{interval}\"\n"
        )
    };
    let dir = tree(&[("regwatch.toml", &source("a", "500ms"))]);
    assert_eq!(
        errors_of(dir.path(), "regwatch.toml"),
        ["regwatch.toml:5: source[0].interval: `500ms` is too short: at least 1s"]
    );
    let dir = tree(&[("regwatch.toml", &source("a", "30s"))]);
    let loaded = loaded(dir.path(), "regwatch.toml");
    let warnings: Vec<String> = loaded.warnings.iter().map(|w| shown(dir.path(), w)).collect();
    assert_eq!(
        warnings,
        [
            "regwatch.toml:5: warning: source[0].interval: interval 30s is under a minute: regulators do not publish that fast, and sites may block you"
        ]
    );
    assert_eq!(loaded.warnings[0].severity, Severity::Warning);
    assert_eq!(loaded.config.sources[0].interval, Duration::from_secs(30));
}

#[test]
fn a_missing_include_names_the_pattern_and_its_line() {
    let dir = tree(&[
        (
            "regwatch.toml",
            "# sources live elsewhere\ninclude = [\n  \"sources/*.toml\",\n  \"topics.toml\",\n  \"extra/*.toml\",\n]\n",
        ),
        ("sources/a.toml", "[[source]]\nid = \"a\"\nkind = \"feed\"\nurl = \"https://example.org/feed\"\n"),
    ]);
    let result = load_with(&dir.path().join("regwatch.toml"), &no_env, &builtin_topics());
    let issues: Vec<String> = result.unwrap_err().0.iter().map(|i| shown(dir.path(), i)).collect();
    let looked_for = dir.path().join("topics.toml");
    assert_eq!(
        issues,
        [
            format!(
                "regwatch.toml:4: include[1]: included file `topics.toml` not found (looked for {})",
                looked_for.display()
            ),
            "regwatch.toml:5: warning: include[2]: include pattern `extra/*.toml` matches no file".to_owned(),
        ]
    );
}

#[test]
fn duplicate_ids_point_at_the_first_definition() {
    let feed = |id: &str| format!("[[source]]\nid = \"{id}\"\nkind = \"feed\"\nurl = \"https://example.org/{id}\"\n\n");
    let main = format!("include = [\"more/*.toml\"]\n\n{}{}", feed("cac"), feed("npc"));
    let dir = tree(&[
        ("regwatch.toml", &main),
        (
            "more/a.toml",
            &format!(
                "{}[[topic]]\nid = \"minors-extra\"\nlabel = \"x\"\nkeywords = [\"x\"]\n\n[[topic]]\nid = \"minors-extra\"\nlabel = \"y\"\nkeywords = [\"y\"]\n",
                feed("npc")
            ),
        ),
    ]);
    assert_eq!(
        errors_of(dir.path(), "regwatch.toml"),
        [
            "more/a.toml:2: source[0].id: duplicate source id `npc`; first defined at ".to_owned()
                + &dir.path().join("regwatch.toml").display().to_string()
                + ":9",
            "more/a.toml:12: topic[1].id: duplicate topic id `minors-extra`; first defined at ".to_owned()
                + &dir.path().join("more/a.toml").display().to_string()
                + ":7",
        ]
    );
}

#[test]
fn bad_selectors_and_regexes_are_named() {
    let dir = tree(&[(
        "regwatch.toml",
        "[[source]]\nid = \"cac\"\nkind = \"html-list\"\nurl = \"https://www.cac.gov.cn/list.htm\"\n\n[source.list]\nitem = \"ul >> li\"\ntitle = \"a@title\"\nlink = \"a..b\"\n\n[source.article]\ncontent = \"div@id\"\nignore = [\"div.share\", \"p:nth-child(\"]\nignore_text = ['^浏览(次数', 'ok']\n",
    )]);
    let errors = errors_of(dir.path(), "regwatch.toml");
    let keys_and_lines: Vec<&str> = errors.iter().map(|e| e.split(": ").next().unwrap()).collect();
    assert_eq!(
        keys_and_lines,
        ["regwatch.toml:7", "regwatch.toml:9", "regwatch.toml:12", "regwatch.toml:13", "regwatch.toml:14"]
    );
    assert!(
        errors[0].starts_with("regwatch.toml:7: source[0].list.item: invalid CSS selector `ul >> li`: "),
        "{}",
        errors[0]
    );
    assert!(
        errors[1].starts_with("regwatch.toml:9: source[0].list.link: invalid CSS selector `a..b`: "),
        "{}",
        errors[1]
    );
    assert_eq!(
        errors[2],
        "regwatch.toml:12: source[0].article.content: `@id` reads an attribute, which only title, link, date and deadline selectors can use"
    );
    assert!(
        errors[3].starts_with("regwatch.toml:13: source[0].article.ignore[1]: invalid CSS selector `p:nth-child(`"),
        "{}",
        errors[3]
    );
    assert_eq!(
        errors[4],
        "regwatch.toml:14: source[0].article.ignore_text[0]: invalid regex `^浏览(次数`: unclosed group"
    );
    assert!(errors.iter().all(|e| !e.contains('\n')));
}

#[test]
fn strip_params_take_parameter_names_or_prefixes() {
    let dir = tree(&[(
        "regwatch.toml",
        "[[source]]\nid = \"a\"\nkind = \"page\"\nurl = \"https://example.org/\"\nstrip_params = [\"sessionid\", \"ts*\", \"a=b\", \"*\"]\n",
    )]);
    assert_eq!(
        errors_of(dir.path(), "regwatch.toml"),
        [
            "regwatch.toml:5: source[0].strip_params[2]: `a=b` is not a query parameter name (letters, digits, `_-.[]`, optionally ending in `*`)",
            "regwatch.toml:5: source[0].strip_params[3]: `*` is not a query parameter name (letters, digits, `_-.[]`, optionally ending in `*`)",
        ]
    );
}

#[test]
fn inline_secrets_get_their_own_message() {
    let dir = tree(&[(
        "regwatch.toml",
        "[smtp]\nhost = \"localhost\"\nfrom = \"alerts@example.org\"\npassword = \"hunter2\"\n\n[[subscriber]]\nid = \"hook\"\nwebhook = \"https://hooks.example.org/x\"\nsecret = \"s3cret\"\ntopics = [\"*\"]\n",
    )]);
    let errors = errors_of(dir.path(), "regwatch.toml");
    assert_eq!(
        errors,
        [
            "regwatch.toml:4: smtp.password: secrets are not accepted inline; use password_env or password_file",
            "regwatch.toml:9: subscriber[0].secret: secrets are not accepted inline; use secret_env or secret_file",
        ]
    );
    assert!(errors.iter().all(|e| !e.contains("hunter2") && !e.contains("s3cret")));
}

#[test]
fn problems_in_several_files_are_reported_together() {
    let dir = tree(&[
        ("etc/regwatch.toml", "include = [\"sources/*.toml\", \"people.toml\"]\n\n[fetch]\ntimeout = \"soon\"\n"),
        ("etc/sources/a-broken.toml", "[[source]]\nid = \"broken\"\nkind = feed\n"),
        (
            "etc/sources/b.toml",
            "[[source]]\nid = \"Bad_Id\"\nkind = \"rss\"\nurl = \"ftp://example.org/x\"\n\n[[source]]\nid = \"fine\"\nkind = \"feed\"\nurl = \"https://example.org/feed\"\nmax_items = \"many\"\n",
        ),
        (
            "etc/people.toml",
            "[storage]\ndatabase = \"x.db\"\n\n[[subscriber]]\nid = \"ops\"\nwebhook = \"https://hooks.example.org/ops\"\ntopics = [\"minors\", \"crypto\"]\nsources = [\"broken\", \"fine\", \"ghost\"]\nevents = [\"source.down\"]\nschedule = \"daily 08:00 Asia/Shanghai\"\n",
        ),
    ]);
    let errors = errors_of(dir.path(), "etc/regwatch.toml");
    assert_eq!(
        errors,
        [
            "etc/regwatch.toml:4: fetch.timeout: invalid duration `soon`: expected e.g. 30s, 5m, 1h",
            "etc/sources/a-broken.toml:3: invalid TOML: invalid boolean, expected `false`",
            "etc/sources/b.toml:2: source[0].id: invalid id `Bad_Id`: use lowercase letters, digits and `-`",
            "etc/sources/b.toml:3: source[0].kind: unknown kind `rss`: expected feed, html-list, json-list or page",
            "etc/sources/b.toml:4: source[0].url: invalid URL `ftp://example.org/x`: scheme `ftp` is not http or https; expected an absolute http or https URL",
            "etc/sources/b.toml:10: source[1].max_items: invalid type: string \"many\", expected i64",
            "etc/people.toml:1: storage: `[storage]` is only allowed in the main config file; included files may hold [[source]], [[topic]] and [[subscriber]]",
            "etc/people.toml:7: subscriber[0].topics[1]: unknown topic `crypto`: not a built-in topic nor a [[topic]] id",
            "etc/people.toml:8: subscriber[0].sources[2]: unknown source `ghost`: no [[source]] has this id",
            "etc/people.toml:9: subscriber[0].events[0]: unknown event `source.down`: expected one of document.new, document.changed, document.final, source.unhealthy, source.recovered",
            "etc/people.toml:10: subscriber[0].schedule: webhook subscribers are delivered as changes happen; use schedule = \"immediate\"",
        ]
    );
}

#[test]
fn included_files_may_not_include_or_configure_the_daemon() {
    let dir = tree(&[
        ("regwatch.toml", "include = [\"more.toml\"]\n"),
        ("more.toml", "include = [\"other.toml\"]\n\n[fetch]\ntimeout = \"1s\"\n\n[smtp]\nhost = \"x\"\n"),
    ]);
    assert_eq!(
        errors_of(dir.path(), "regwatch.toml"),
        [
            "more.toml:1: include: `include` is only allowed in the main config file; included files cannot include others",
            "more.toml:3: fetch: `[fetch]` is only allowed in the main config file; included files may hold [[source]], [[topic]] and [[subscriber]]",
            "more.toml:6: smtp: `[smtp]` is only allowed in the main config file; included files may hold [[source]], [[topic]] and [[subscriber]]",
        ]
    );
}

#[test]
fn source_kinds_require_their_tables() {
    let dir = tree(&[(
        "regwatch.toml",
        "[[source]]\nid = \"list\"\nkind = \"html-list\"\nurl = \"https://example.org/list\"\n\n[[source]]\nid = \"half\"\nkind = \"html-list\"\nurl = \"https://example.org/half\"\n[source.list]\nitem = \"li\"\n\n[[source]]\nname = \"no id\"\nurl = \"example.org\"\n",
    )]);
    let errors = errors_of(dir.path(), "regwatch.toml");
    assert_eq!(
        errors,
        [
            "regwatch.toml:1: source[0].list: html-list sources need a [source.list] table with item, title and link selectors",
            "regwatch.toml:10: source[1].list.title: missing key `title`",
            "regwatch.toml:10: source[1].list.link: missing key `link`",
            "regwatch.toml:13: source[2].id: missing key `id`",
            "regwatch.toml:13: source[2].kind: missing key `kind`",
            "regwatch.toml:15: source[2].url: invalid URL `example.org`: relative URL without a base; expected an absolute http or https URL",
        ]
    );
}

#[test]
fn a_single_source_table_is_asked_to_be_an_array() {
    let dir = tree(&[(
        "regwatch.toml",
        "[fetch]
\n[source]\nid = \"a\"\n",
    )]);
    assert_eq!(
        errors_of(dir.path(), "regwatch.toml"),
        ["regwatch.toml:3: source: `source` must be an array of tables: write each one as [[source]]"]
    );
}

#[test]
fn subscribers_are_checked_against_smtp_topics_and_sources() {
    let dir = tree(&[
        (
            "regwatch.toml",
            "include = [\"topics.toml\"]\n\n[[source]]\nid = \"cac\"\nkind = \"feed\"\nurl = \"https://example.org/feed\"\n\n[[subscriber]]\nid = \"team\"\nemail = \"team@example.org\"\ntopics = [\"minors\", \"own-topic\"]\nsources = [\"cac\"]\nschedule = \"weekly mon 09:00 Europe/Paris\"\n\n[[subscriber]]\nid = \"both\"\nemail = \"a@example.org\"\nwebhook = \"https://example.org/hook\"\ntopics = []\n\n[[subscriber]]\nid = \"stars\"\nwebhook = \"https://example.org/hook\"\ntopics = [\"*\", \"minors\"]\nsecret_file = \"hook.secret\"\n",
        ),
        ("topics.toml", "[[topic]]\nid = \"own-topic\"\nlabel = \"Own\"\nkeywords = [\"own\"]\n"),
    ]);
    let errors = errors_of(dir.path(), "regwatch.toml");
    let secret = dir.path().join("hook.secret");
    assert_eq!(errors.len(), 5, "{errors:#?}");
    assert_eq!(
        errors[0],
        "regwatch.toml:10: subscriber[0].email: email subscribers need an [smtp] table in the main config file"
    );
    assert_eq!(
        errors[1],
        "regwatch.toml:18: subscriber[1].webhook: set only one of email and webhook; add a second [[subscriber]] for the other"
    );
    assert_eq!(errors[2], "regwatch.toml:19: subscriber[1].topics: empty; use [\"*\"] for every topic");
    assert_eq!(errors[3], "regwatch.toml:24: subscriber[2].topics: `*` means every topic and stands alone");
    assert!(
        errors[4].starts_with(&format!(
            "regwatch.toml:25: subscriber[2].secret_file: cannot read secret file {}: ",
            secret.display()
        )),
        "{}",
        errors[4]
    );
}

#[test]
fn secret_files_resolve_next_to_the_file_that_names_them() {
    let dir = tree(&[
        (
            "regwatch.toml",
            "include = [\"alerts/hooks.toml\"]\n\n[smtp]\nhost = \"mail.example.org\"\ntls = \"tls\"\nusername = \"regwatch\"\npassword_file = \"smtp.pass\"\nfrom = \"regwatch <alerts@example.org>\"\n",
        ),
        ("smtp.pass", "pw\n"),
        (
            "alerts/hooks.toml",
            "[[subscriber]]\nid = \"hook\"\nwebhook = \"https://hooks.example.org/x\"\nsecret_file = \"hook.secret\"\ntopics = [\"minors\"]\n",
        ),
        ("alerts/hook.secret", "whsec_abc\n"),
    ]);
    let config = loaded(dir.path(), "regwatch.toml").config;
    let smtp = config.smtp.unwrap();
    assert_eq!((smtp.port, smtp.tls), (465, SmtpTls::Tls));
    assert!(smtp.password.is_some());
    assert!(config.subscribers[0].secret.is_some());
    assert_eq!(config.subscribers[0].events.len(), 3);
    assert_eq!(config.storage.database, std::path::absolute(dir.path().join("regwatch.db")).unwrap());
}

#[test]
fn private_networks_take_a_flag_or_a_list_of_blocks() {
    let dir =
        tree(&[("regwatch.toml", "[fetch]\nallow_private_networks = [\"10.0.0.0/8\", \"127.0.0.1\", \"fd00::/8\"]\n")]);
    let networks = loaded(dir.path(), "regwatch.toml").config.fetch.private_networks;
    let PrivateNetworks::Allow(blocks) = networks else { panic!("{networks:?}") };
    let shown: Vec<String> = blocks.iter().map(ToString::to_string).collect();
    assert_eq!(shown, ["10.0.0.0/8", "127.0.0.1/32", "fd00::/8"]);
    let dir = tree(&[("regwatch.toml", "[fetch]\nallow_private_networks = [\n  \"10.0.0.0/33\",\n]\n")]);
    assert_eq!(
        errors_of(dir.path(), "regwatch.toml"),
        [
            "regwatch.toml:3: fetch.allow_private_networks[0]: invalid CIDR block `10.0.0.0/33`: expected e.g. 10.0.0.0/8, 127.0.0.1 or fd00::/8"
        ]
    );
    let dir = tree(&[("regwatch.toml", "[fetch]\nallow_private_networks = true\n")]);
    assert_eq!(loaded(dir.path(), "regwatch.toml").config.fetch.private_networks, PrivateNetworks::AllowAll);
}

#[test]
fn an_unreadable_main_file_is_one_clear_error() {
    let dir = tree(&[]);
    let errors = errors_of(dir.path(), "nope.toml");
    assert_eq!(errors.len(), 1);
    assert!(errors[0].starts_with("nope.toml: cannot read config file "), "{}", errors[0]);
}

#[test]
fn an_empty_file_is_the_defaults() {
    let dir = tree(&[("regwatch.toml", "")]);
    let config = loaded(dir.path(), "regwatch.toml").config;
    assert_eq!(config.fetch.timeout, Duration::from_secs(30));
    assert_eq!(config.fetch.max_body, 10 * 1024 * 1024);
    assert!(config.sources.is_empty());
}

#[test]
fn json_lists_requests_and_attachments_are_checked() {
    let text = r#"[[source]]
id = "npc"
kind = "json-list"
url = "http://www.npc.gov.cn/flcaw/flca-list"

[source.request]
headers = { Cookie = "a=b", "Bad Header" = "x" }
prime = "ftp://www.npc.gov.cn/"
timeout = "0s"

[source.json]
items = "rows..x"
title = "flxxmc"
link = "url"
link_template = "http://x/{id}"
attachment_template = "/flcaw/{flxxId"

[source.attachments]
max_count = -1

[[source]]
id = "cac"
kind = "html-list"
url = "https://www.cac.gov.cn/list.htm"

[source.list]
item = "li"
title = "a"
link = "a"
json = "data[html"

[source.json]
items = "rows"

[[source]]
id = "bare"
kind = "json-list"
url = "https://example.org/api"
"#;
    let dir = tree(&[("regwatch.toml", text)]);
    assert_eq!(
        errors_of(dir.path(), "regwatch.toml"),
        [
            "regwatch.toml:7: source[0].request.headers.Bad Header: invalid header name `Bad Header`",
            "regwatch.toml:7: source[0].request.headers.Cookie: header `Cookie` is set by regwatch itself (cookies come from `prime`); remove it here",
            "regwatch.toml:8: source[0].request.prime: invalid URL `ftp://www.npc.gov.cn/`: scheme `ftp` is not http or https; expected an absolute http or https URL",
            "regwatch.toml:9: source[0].request.timeout: timeout must be more than 0",
            "regwatch.toml:12: source[0].json.items: invalid JSON path `rows..x`: empty step (two dots in a row, or a dot at an end)",
            "regwatch.toml:14: source[0].json.link: give either `link` (a field holding the URL) or `link_template`, not both",
            "regwatch.toml:16: source[0].json.attachment_template: invalid link template `/flcaw/{flxxId`: empty or unclosed `{}`",
            "regwatch.toml:19: source[0].attachments.max_count: must be 0 or more, not -1",
            "regwatch.toml:30: source[1].list.json: invalid JSON path `data[html`: unclosed `[` in `data[html`",
            "regwatch.toml:32: source[1].json: [source.json] applies to json-list sources only; this source is `html-list`",
            "regwatch.toml:35: source[2].json: json-list sources need a [source.json] table with items, title and link (or link_template)",
        ]
    );
}
