//! `[smtp]` and `[[subscriber]]` → `SmtpConfig` and `SubscriberSpec`: channel, secret, topic and
//! source filters (checked against what is configured), schedule and events.
//!
//! Checks addresses by form only; whether mail is delivered is `alert`'s business.

use std::collections::BTreeSet;

use secrecy::ExposeSecret;
use toml::Spanned;

use crate::config::check::{FirstSeen, http_url, id, non_empty, required};
use crate::config::file::{Entry, ParsedFile};
use crate::config::issue::{ConfigIssue, Report, Reported};
use crate::config::model::{Channel, EventType, Schedule, SmtpConfig, SmtpTls, SubscriberSpec};
use crate::config::raw::{RawSmtp, RawSubscriber};
use crate::config::schedule::parse_schedule;
use crate::config::secrets::{self, SecretKeys};
use crate::config::webhook_secret::{SECRET_PREFIX, WebhookError, signing_key};
use crate::config::{EnvLookup, defaults};
use crate::hazard::is_hazard;
use crate::ids::SourceId;

/// What subscribers may refer to.
pub(crate) struct Known {
    /// Built-in topic ids and config ones.
    pub(crate) topics: BTreeSet<String>,
    pub(crate) sources: BTreeSet<String>,
    /// Whether an `[smtp]` table exists (valid or not), for email subscribers.
    pub(crate) smtp: bool,
}

pub(crate) fn smtp(
    report: &mut Report<'_>,
    raw: &Spanned<RawSmtp>,
    env: EnvLookup<'_>,
) -> Result<SmtpConfig, Reported> {
    let at = raw.span();
    let raw = raw.get_ref();
    let host =
        required(report, &at, "smtp", "host", raw.host.as_ref()).and_then(|host| non_empty(report, "smtp.host", host));
    let tls = raw.tls.as_ref().map_or(Ok(defaults::SMTP_TLS), |tls| match tls.get_ref().as_str() {
        "none" => Ok(SmtpTls::None),
        "starttls" => Ok(SmtpTls::StartTls),
        "tls" => Ok(SmtpTls::Tls),
        other => Err(report.error(
            Some(tls.span()),
            "smtp.tls",
            format!("unknown tls mode `{other}`: expected none, starttls or tls"),
        )),
    });
    let port = match (&raw.port, tls) {
        (Some(port), _) => u16::try_from(*port.get_ref()).ok().filter(|&p| p != 0).ok_or_else(|| {
            report.error(
                Some(port.span()),
                "smtp.port",
                format!("invalid port {}: expected 1 to 65535", port.get_ref()),
            )
        }),
        (None, Ok(tls)) => Ok(defaults::smtp_port(tls)),
        (None, Err(reported)) => Err(reported),
    };
    let username = raw.username.as_ref().map(|u| non_empty(report, "smtp.username", u)).transpose();
    let keys = SecretKeys {
        table: "smtp",
        stem: "password",
        env: raw.password_env.as_ref(),
        file: raw.password_file.as_ref(),
    };
    let password = secrets::resolve(report, &keys, env);
    if let Some((key, span)) = keys.given() {
        if raw.username.is_none() {
            let message = "a password is set without a username, so it is never used";
            report.warn(Some(span.clone()), &key, message);
        }
        if matches!(tls, Ok(SmtpTls::None)) {
            let message = "tls = \"none\" sends the password in clear text";
            report.warn(Some(span), &key, message);
        }
    }
    let from =
        required(report, &at, "smtp", "from", raw.from.as_ref()).and_then(|from| mailbox(report, "smtp.from", from));
    Ok(SmtpConfig { host: host?, port: port?, tls: tls?, username: username?, password: password?, from: from? })
}

pub(crate) fn subscribers(
    files: &[&ParsedFile],
    known: &Known,
    env: EnvLookup<'_>,
    issues: &mut Vec<ConfigIssue>,
) -> Vec<SubscriberSpec> {
    let mut seen = FirstSeen::new("subscriber");
    let mut specs = Vec::new();
    for file in files {
        let mut report = Report::new(&file.path, &file.text, issues);
        for entry in &file.tables.subscribers {
            if let Ok(spec) = subscriber(&mut report, entry, &mut seen, known, env) {
                specs.push(spec);
            }
        }
    }
    specs
}

fn subscriber(
    report: &mut Report<'_>,
    entry: &Entry<RawSubscriber>,
    seen: &mut FirstSeen,
    known: &Known,
    env: EnvLookup<'_>,
) -> Result<SubscriberSpec, Reported> {
    let key = entry.key("subscriber");
    let at = entry.raw.span();
    let raw = entry.raw.get_ref();
    let id = id(report, &at, &key, raw.id.as_ref()).and_then(|id| seen.claim(report, &key, id));
    let channel = channel(report, &key, &at, raw, known);
    let keys = SecretKeys { table: &key, stem: "secret", env: raw.secret_env.as_ref(), file: raw.secret_file.as_ref() };
    let mut secret = secrets::resolve(report, &keys, env);
    if let (Ok(Channel::Email(_)), Some((skey, span))) = (&channel, keys.given()) {
        let message = "a secret signs webhook deliveries; this subscriber receives email";
        secret = Err(report.error(Some(span), &skey, message));
    }
    if let (Ok(Some(value)), Some((skey, span))) = (&secret, keys.given())
        && let Err(problem) = signing_key(value.expose_secret())
    {
        secret = Err(report.error(Some(span), &skey, signing_key_problem(&problem)));
    }
    let events = raw.events.as_ref().map_or(Ok(defaults::EVENTS.to_vec()), |list| events(report, &key, list));
    let health_only = events
        .as_ref()
        .is_ok_and(|list| list.iter().all(|e| matches!(e, EventType::SourceUnhealthy | EventType::SourceRecovered)));
    let topics = match raw.topics.as_ref() {
        Some(topics) => topic_filter(report, &key, topics, &known.topics),
        // Source-health events carry no topics: an operator's subscriber need not name any.
        None if health_only => Ok(None),
        None => Err(report.error(
            Some(at.clone()),
            &format!("{key}.topics"),
            "missing key `topics`; use [\"*\"] for every topic",
        )),
    };
    let sources = raw.sources.as_ref().map(|sources| source_filter(report, &key, sources, &known.sources)).transpose();
    let schedule = raw.schedule.as_ref().map_or(Ok(defaults::SCHEDULE), |s| {
        let skey = format!("{key}.schedule");
        match (parse_schedule(s.get_ref()), &channel) {
            (Ok(Schedule::Daily { .. } | Schedule::Weekly { .. }), Ok(Channel::Webhook(_))) => {
                let message = "webhook subscribers are delivered as changes happen; use schedule = \"immediate\"";
                Err(report.error(Some(s.span()), &skey, message))
            }
            (Ok(schedule), _) => Ok(schedule),
            (Err(message), _) => Err(report.error(Some(s.span()), &skey, message)),
        }
    });
    Ok(SubscriberSpec {
        id: id?,
        channel: channel?,
        secret: secret?,
        topics: topics?,
        sources: sources?,
        schedule: schedule?,
        events: events?,
    })
}

fn channel(
    report: &mut Report<'_>,
    key: &str,
    at: &std::ops::Range<usize>,
    raw: &RawSubscriber,
    known: &Known,
) -> Result<Channel, Reported> {
    match (&raw.email, &raw.webhook) {
        (Some(_), Some(webhook)) => Err(report.error(
            Some(webhook.span()),
            &format!("{key}.webhook"),
            "set only one of email and webhook; add a second [[subscriber]] for the other",
        )),
        (None, None) => Err(report.error(Some(at.clone()), key, "missing key `email` or `webhook`")),
        (Some(email), None) => {
            let ekey = format!("{key}.email");
            let address = mailbox(report, &ekey, email)?;
            if !known.smtp {
                return Err(report.error(
                    Some(email.span()),
                    &ekey,
                    "email subscribers need an [smtp] table in the main config file",
                ));
            }
            Ok(Channel::Email(address))
        }
        (None, Some(webhook)) => http_url(report, &format!("{key}.webhook"), webhook).map(Channel::Webhook),
    }
}

/// What is wrong with a secret that cannot sign, in words that give away none of it.
fn signing_key_problem(problem: &WebhookError) -> String {
    match problem {
        WebhookError::SecretBase64 {} => format!(
            "the secret starts with `{SECRET_PREFIX}` but the rest is not valid base64; check that it was copied whole"
        ),
        WebhookError::SecretEmpty => format!("the secret is empty after `{SECRET_PREFIX}`"),
    }
}

/// `None` for `["*"]`, else the topic ids, each of which must be known.
fn topic_filter(
    report: &mut Report<'_>,
    key: &str,
    list: &Spanned<Vec<Spanned<String>>>,
    known: &BTreeSet<String>,
) -> Result<Option<Vec<String>>, Reported> {
    let tkey = format!("{key}.topics");
    let items = list.get_ref();
    if items.is_empty() {
        return Err(report.error(Some(list.span()), &tkey, "empty; use [\"*\"] for every topic"));
    }
    if items.iter().any(|t| t.get_ref() == "*") {
        if items.len() > 1 {
            return Err(report.error(Some(list.span()), &tkey, "`*` means every topic and stands alone"));
        }
        return Ok(None);
    }
    let mut result = Ok(Vec::new());
    for (i, topic) in items.iter().enumerate() {
        if known.contains(topic.get_ref()) {
            if let Ok(ids) = &mut result {
                ids.push(topic.get_ref().clone());
            }
        } else {
            let message = format!("unknown topic `{}`: not a built-in topic nor a [[topic]] id", topic.get_ref());
            result = Err(report.error(Some(topic.span()), &format!("{tkey}[{i}]"), message));
        }
    }
    result.map(Some)
}

fn source_filter(
    report: &mut Report<'_>,
    key: &str,
    list: &Spanned<Vec<Spanned<String>>>,
    known: &BTreeSet<String>,
) -> Result<Vec<SourceId>, Reported> {
    let skey = format!("{key}.sources");
    if list.get_ref().is_empty() {
        return Err(report.error(Some(list.span()), &skey, "empty; leave `sources` out to follow every source"));
    }
    let mut result = Ok(Vec::new());
    for (i, source) in list.get_ref().iter().enumerate() {
        if known.contains(source.get_ref()) {
            if let Ok(ids) = &mut result {
                ids.push(SourceId(source.get_ref().clone()));
            }
        } else {
            let message = format!("unknown source `{}`: no [[source]] has this id", source.get_ref());
            result = Err(report.error(Some(source.span()), &format!("{skey}[{i}]"), message));
        }
    }
    result
}

fn events(
    report: &mut Report<'_>,
    key: &str,
    list: &Spanned<Vec<Spanned<String>>>,
) -> Result<Vec<EventType>, Reported> {
    let ekey = format!("{key}.events");
    if list.get_ref().is_empty() {
        return Err(report.error(Some(list.span()), &ekey, "empty; leave `events` out for the document events"));
    }
    let mut result = Ok(Vec::new());
    for (i, name) in list.get_ref().iter().enumerate() {
        match (EventType::parse(name.get_ref()), &mut result) {
            (Some(event), Ok(events)) if !events.contains(&event) => events.push(event),
            (Some(_), _) => {}
            (None, _) => {
                let all: Vec<&str> = EventType::ALL.iter().map(|e| e.as_str()).collect();
                let message = format!("unknown event `{}`: expected one of {}", name.get_ref(), all.join(", "));
                result = Err(report.error(Some(name.span()), &format!("{ekey}[{i}]"), message));
            }
        }
    }
    result
}

/// `alerts@example.org` or `regwatch <alerts@example.org>`, returned trimmed. A control
/// character (CR and LF above all) would let the value add header lines to every message.
fn mailbox(report: &mut Report<'_>, key: &str, raw: &Spanned<String>) -> Result<String, Reported> {
    let text = raw.get_ref().trim();
    if text.chars().any(is_hazard) {
        let message = format!(
            "`{}` holds a line break or another control character; a mail address and its name are one line",
            crate::escape::controls(text)
        );
        return Err(report.error(Some(raw.span()), key, message));
    }
    if is_mailbox(text) {
        Ok(text.to_owned())
    } else {
        let message = format!("invalid address `{text}`: expected name@example.org or Name <name@example.org>");
        Err(report.error(Some(raw.span()), key, message))
    }
}

fn is_mailbox(text: &str) -> bool {
    if text.chars().any(is_hazard) {
        return false;
    }
    match text.strip_suffix('>').and_then(|rest| rest.rsplit_once('<')) {
        Some((name, address)) => {
            let name = name.trim();
            let quoted = name.len() >= 2 && name.starts_with('"') && name.ends_with('"');
            (quoted || !name.contains(['<', '>', '"', ',', ';', '@'])) && is_address(address)
        }
        None => is_address(text),
    }
}

fn is_address(text: &str) -> bool {
    let Some((local, domain)) = text.rsplit_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && !local.chars().any(|c| c.is_whitespace() || c.is_control() || "<>()[],;:\\\"@".contains(c));
    let domain_ok = domain.split('.').all(|label| {
        !label.is_empty()
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_alphanumeric() || c == '-')
    });
    local_ok && domain_ok
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("alerts@example.org", true)]
    #[case("regwatch <alerts@example.org>", true)]
    #[case("\"Reg, Watch\" <alerts@example.org>", true)]
    #[case("<alerts@example.org>", true)]
    #[case("法规 <alerts@例子.中国>", true)]
    #[case("alerts", false)]
    #[case("alerts@localhost", true)]
    #[case("a b@example.org", false)]
    #[case("regwatch alerts@example.org", false)]
    #[case("regwatch <alerts@example.org", false)]
    #[case("Reg, Watch <alerts@example.org>", false)]
    #[case("@example.org", false)]
    #[case("a@-x.org", false)]
    #[case("Reg\r\nBcc: x <alerts@example.org>", false)]
    fn mailboxes_by_form(#[case] text: &str, #[case] ok: bool) {
        assert_eq!(is_mailbox(text), ok, "{text}");
    }
}
