//! Raw tables → `Config`: defaults applied, values parsed, ids checked across files, and every
//! problem recorded (never just the first). `[storage]`, `[fetch]` and `[[topic]]` are checked
//! here; sources, subscribers and `[web]` in their own files.
//!
//! Reads secrets through `secrets` and nothing else from the outside world: no network, no DB.

use std::collections::BTreeSet;
use std::path::PathBuf;

use ipnet::IpNet;
use toml::Spanned;

use crate::config::check::{
    FirstSeen, count, duration, id, non_empty, positive_duration, regex_problem, required, size,
};
use crate::config::file::{Entry, ParsedFile};
use crate::config::issue::{ConfigIssue, Report, Reported};
use crate::config::model::{Config, FetchConfig, PrivateNetworks, StorageConfig, TopicSpec};
use crate::config::raw::{RawFetch, RawPrivateNetworks, RawStorage, RawTopic};
use crate::config::source::SourceChecker;
use crate::config::{EnvLookup, defaults, subscriber, web};

/// Builds the `Config` when no error was found; either way every issue is in `issues`. The
/// files' sources were checked as they were read, by `sources`.
pub(crate) fn validate(
    main: &ParsedFile,
    includes: &[ParsedFile],
    sources: SourceChecker<'_>,
    env: EnvLookup<'_>,
    builtin_topics: &[String],
    issues: &mut Vec<ConfigIssue>,
) -> Option<Config> {
    let files: Vec<&ParsedFile> = std::iter::once(main).chain(includes).collect();
    let (storage, fetch, smtp, web) = {
        let mut report = Report::new(&main.path, &main.text, issues);
        let tables = &main.tables;
        (
            storage(&mut report, tables.storage.as_ref()),
            fetch(&mut report, tables.fetch.as_ref()),
            tables.smtp.as_ref().map(|smtp| subscriber::smtp(&mut report, smtp, env)).transpose(),
            tables.web.as_ref().map(|raw| web::web(&mut report, raw, env)).transpose(),
        )
    };
    let (topics, topic_ids) = topics(&files, builtin_topics, issues);
    let (sources, source_ids) = sources.finish(&files);
    let known = subscriber::Known { topics: topic_ids, sources: source_ids, smtp: main.tables.smtp.is_some() };
    let subscribers = subscriber::subscribers(&files, &known, env, issues);
    if issues.iter().any(ConfigIssue::is_error) {
        return None;
    }
    Some(Config {
        path: Some(main.path.clone()),
        storage: storage.ok()?,
        fetch: fetch.ok()?,
        sources,
        topics,
        smtp: smtp.ok()?,
        subscribers,
        web: web.ok()?,
    })
}

/// The main file's `[storage]`, checked alone.
pub(crate) fn storage_of(main: &ParsedFile, issues: &mut Vec<ConfigIssue>) -> Result<StorageConfig, Reported> {
    let mut report = Report::new(&main.path, &main.text, issues);
    storage(&mut report, main.tables.storage.as_ref())
}

fn storage(report: &mut Report<'_>, raw: Option<&RawStorage>) -> Result<StorageConfig, Reported> {
    let database = match raw.and_then(|raw| raw.database.as_ref()) {
        Some(path) if path.get_ref().trim().is_empty() => {
            return Err(report.error(Some(path.span()), "storage.database", "empty database path"));
        }
        Some(path) => PathBuf::from(path.get_ref()),
        None => PathBuf::from(defaults::DATABASE),
    };
    let database = report.dir().join(database);
    // Absolute now, so that a later change of working directory cannot move the database.
    let database = std::path::absolute(&database).unwrap_or(database);
    Ok(StorageConfig { database })
}

fn fetch(report: &mut Report<'_>, raw: Option<&RawFetch>) -> Result<FetchConfig, Reported> {
    let fallback = RawFetch::default();
    let raw = raw.unwrap_or(&fallback);
    let user_agent = match raw.user_agent.as_ref() {
        Some(ua) if ua.get_ref().trim().is_empty() || ua.get_ref().chars().any(char::is_control) => {
            Err(report.error(Some(ua.span()), "fetch.user_agent", "user agent must be one non-empty line"))
        }
        Some(ua) => Ok(ua.get_ref().trim().to_owned()),
        None => Ok(defaults::USER_AGENT.to_owned()),
    };
    let timeout = positive_duration(report, "fetch.timeout", raw.timeout.as_ref(), defaults::TIMEOUT);
    let connect_timeout =
        positive_duration(report, "fetch.connect_timeout", raw.connect_timeout.as_ref(), defaults::CONNECT_TIMEOUT);
    let max_body = size(report, "fetch.max_body", raw.max_body.as_ref(), defaults::MAX_BODY);
    let max_concurrency =
        count(report, "fetch.max_concurrency", raw.max_concurrency.as_ref(), defaults::MAX_CONCURRENCY);
    let per_host_concurrency =
        count(report, "fetch.per_host_concurrency", raw.per_host_concurrency.as_ref(), defaults::PER_HOST_CONCURRENCY);
    let per_host_delay =
        duration(report, "fetch.per_host_delay", raw.per_host_delay.as_ref(), defaults::PER_HOST_DELAY);
    let private_networks = private_networks(report, raw.allow_private_networks.as_ref());
    let unhealthy_after =
        count(report, "fetch.unhealthy_after", raw.unhealthy_after.as_ref(), defaults::UNHEALTHY_AFTER as usize)
            .map(|n| u32::try_from(n).unwrap_or(u32::MAX));
    let max_retry_after =
        positive_duration(report, "fetch.max_retry_after", raw.max_retry_after.as_ref(), defaults::MAX_RETRY_AFTER);
    let max_crawl_delay =
        positive_duration(report, "fetch.max_crawl_delay", raw.max_crawl_delay.as_ref(), defaults::MAX_CRAWL_DELAY);
    let extract_memory = size(report, "fetch.extract_memory", raw.extract_memory.as_ref(), defaults::EXTRACT_MEMORY);
    let extract_timeout =
        positive_duration(report, "fetch.extract_timeout", raw.extract_timeout.as_ref(), defaults::EXTRACT_TIMEOUT);
    Ok(FetchConfig {
        user_agent: user_agent?,
        timeout: timeout?,
        connect_timeout: connect_timeout?,
        max_body: max_body?,
        max_concurrency: max_concurrency?,
        per_host_concurrency: per_host_concurrency?,
        per_host_delay: per_host_delay?,
        respect_robots: raw.respect_robots.unwrap_or(defaults::RESPECT_ROBOTS),
        private_networks: private_networks?,
        unhealthy_after: unhealthy_after?,
        max_retry_after: max_retry_after?,
        max_crawl_delay: max_crawl_delay?,
        extract_memory: extract_memory?,
        extract_timeout: extract_timeout?,
    })
}

fn private_networks(report: &mut Report<'_>, raw: Option<&RawPrivateNetworks>) -> Result<PrivateNetworks, Reported> {
    match raw {
        None => Ok(defaults::PRIVATE_NETWORKS),
        Some(RawPrivateNetworks::Flag(true)) => Ok(PrivateNetworks::AllowAll),
        Some(RawPrivateNetworks::Flag(false)) => Ok(PrivateNetworks::Deny),
        Some(RawPrivateNetworks::List(list)) => {
            let mut nets = Vec::new();
            let mut failed = None;
            for (i, cidr) in list.iter().enumerate() {
                let text = cidr.get_ref().trim();
                let parsed = text.parse::<IpNet>().or_else(|_| text.parse::<std::net::IpAddr>().map(IpNet::from));
                if let Ok(net) = parsed {
                    nets.push(net);
                } else {
                    let key = format!("fetch.allow_private_networks[{i}]");
                    let message =
                        format!("invalid CIDR block `{text}`: expected e.g. 10.0.0.0/8, 127.0.0.1 or fd00::/8");
                    failed = Some(report.error(Some(cidr.span()), &key, message));
                }
            }
            match failed {
                Some(reported) => Err(reported),
                None if nets.is_empty() => Ok(PrivateNetworks::Deny),
                None => Ok(PrivateNetworks::Allow(nets)),
            }
        }
    }
}

/// Config topics, merged later over the built-in pack; also every topic id a subscriber may name.
fn topics(
    files: &[&ParsedFile],
    builtin: &[String],
    issues: &mut Vec<ConfigIssue>,
) -> (Vec<TopicSpec>, BTreeSet<String>) {
    let mut ids: BTreeSet<String> = builtin.iter().cloned().collect();
    let mut seen = FirstSeen::new("topic");
    let mut specs = Vec::new();
    for file in files {
        let mut report = Report::new(&file.path, &file.text, issues);
        for entry in &file.tables.topics {
            if let Some(id) = &entry.raw.get_ref().id {
                ids.insert(id.get_ref().clone());
            }
            if let Ok(spec) = topic(&mut report, entry, &mut seen) {
                specs.push(spec);
            }
        }
        ids.extend(file.tables.unread_topic_ids.iter().cloned());
    }
    (specs, ids)
}

fn topic(report: &mut Report<'_>, entry: &Entry<RawTopic>, seen: &mut FirstSeen) -> Result<TopicSpec, Reported> {
    let key = entry.key("topic");
    let raw = entry.raw.get_ref();
    let id = id(report, &entry.raw.span(), &key, raw.id.as_ref()).and_then(|id| seen.claim(report, &key, id));
    let label = required(report, &entry.raw.span(), &key, "label", raw.label.as_ref())
        .and_then(|label| non_empty(report, &format!("{key}.label"), label));
    let keywords = phrases(report, &format!("{key}.keywords"), &raw.keywords);
    let exclude = phrases(report, &format!("{key}.exclude"), &raw.exclude);
    let mut patterns_ok = Ok(());
    for (i, pattern) in raw.patterns.iter().enumerate() {
        let compiled = regex::RegexBuilder::new(pattern.get_ref()).case_insensitive(true).build();
        if let Err(error) = compiled {
            let message = format!("invalid regex `{}`: {}", pattern.get_ref(), regex_problem(&error));
            patterns_ok = Err(report.error(Some(pattern.span()), &format!("{key}.patterns[{i}]"), message));
        }
    }
    if raw.keywords.is_empty() && raw.patterns.is_empty() {
        report.warn(Some(entry.raw.span()), &key, "topic has no keywords and no patterns, so it never matches");
    }
    patterns_ok?;
    Ok(TopicSpec {
        id: id?,
        label: label?,
        keywords: keywords?,
        patterns: raw.patterns.iter().map(|p| p.get_ref().clone()).collect(),
        exclude: exclude?,
    })
}

fn phrases(report: &mut Report<'_>, key: &str, list: &[Spanned<String>]) -> Result<Vec<String>, Reported> {
    let mut out = Ok(Vec::new());
    for (i, phrase) in list.iter().enumerate() {
        let checked = non_empty(report, &format!("{key}[{i}]"), phrase);
        match (&mut out, checked) {
            (Ok(list), Ok(phrase)) => list.push(phrase),
            (_, Err(reported)) => out = Err(reported),
            (Err(_), Ok(_)) => {}
        }
    }
    out
}
