//! The invariants a kill must never break, checked against each snapshot, with what earlier
//! snapshots showed:
//!
//! - the database passes `integrity_check` and `foreign_key_check`;
//! - no version disappears or changes, a document's count only grows, and every stored text is
//!   one the site served for that URL, later revisions after earlier ones;
//! - every version recorded after the baseline has exactly one change, and every change has
//!   exactly the outbox rows its routing calls for, none of them dead;
//! - a delivery once `sent` stays sent and was received; every request a receiver got belongs
//!   to a delivery in the database and carries its stored body; all requests about one change
//!   to one subscriber carry one `webhook-id`;
//! - a poll that completed recorded the site as it was.
//!
//! Not here: taking snapshots (`snapshot`) or causing the kills (`process`).

use std::collections::{BTreeMap, HashMap, HashSet};

use super::config::{Channel, Subscriber};
use super::receiver::Hook;
use super::site::Site;
use super::snapshot::Snapshot;

/// An email as the SMTP server got it.
#[derive(Debug, Clone)]
pub struct Mail {
    pub message_id: String,
    pub to: Vec<String>,
}

/// What the receivers got so far.
#[derive(Debug, Default)]
pub struct Receipts {
    pub hooks: Vec<Hook>,
    pub mails: Vec<Mail>,
}

/// A stored version as first seen: its hash and the site revision its text is.
#[derive(Debug, Clone)]
struct Seen {
    hash: String,
    revision: usize,
}

#[derive(Debug, Default)]
pub struct Ledger {
    /// (document, version) recorded by the baseline pass: they have no change.
    baseline: HashSet<(i64, i64)>,
    urls: HashMap<i64, String>,
    versions: HashMap<i64, Vec<Seen>>,
    changes: HashMap<i64, (i64, i64)>,
    /// msg id → (change, subscriber, sent).
    deliveries: HashMap<String, (Option<i64>, String, bool)>,
}

/// Violations found, each a sentence naming what and where.
pub type Violations = Vec<String>;

impl Ledger {
    /// Starts from the baseline pass's snapshot.
    pub fn baseline(snapshot: &Snapshot, site: &Site) -> (Self, Violations) {
        let mut ledger = Self { baseline: snapshot.versions.keys().copied().collect(), ..Self::default() };
        let violations = ledger.check(snapshot, site, &Receipts::default());
        (ledger, violations)
    }

    /// Checks a snapshot and takes in what it added.
    pub fn check(&mut self, snapshot: &Snapshot, site: &Site, receipts: &Receipts) -> Violations {
        let mut violations = Vec::new();
        if snapshot.integrity != ["ok"] {
            violations.push(format!("integrity_check: {:?}", snapshot.integrity));
        }
        if snapshot.foreign_key_faults > 0 {
            violations.push(format!("foreign_key_check: {} rows", snapshot.foreign_key_faults));
        }
        self.check_versions(snapshot, site, &mut violations);
        self.check_changes(snapshot, &mut violations);
        self.check_deliveries(snapshot, receipts, &mut violations);
        check_receipts(snapshot, receipts, &mut violations);
        violations
    }

    /// Every document's latest version is the text its page shows now: for the sources whose
    /// poll completed (and for all of them at the end).
    pub fn check_current(snapshot: &Snapshot, site: &Site, sources: &[usize]) -> Violations {
        let mut violations = Vec::new();
        let by_url: HashMap<&str, (&i64, &super::snapshot::Document)> =
            snapshot.documents.iter().map(|(id, d)| (d.url.as_str(), (id, d))).collect();
        for (source, url, lines) in site.listed_now() {
            if !sources.contains(&source) {
                continue;
            }
            let Some((id, document)) = by_url.get(url.as_str()) else {
                violations.push(format!("{url}: listed on the site, but no document after a completed poll"));
                continue;
            };
            let latest = snapshot.versions.get(&(**id, document.versions)).map(|v| lines_of(&v.text));
            if latest.as_deref() != Some(lines.as_slice()) {
                violations.push(format!(
                    "{url}: the latest version ({}) is not the page's current text after a completed poll: {latest:?}",
                    document.versions
                ));
            }
        }
        violations
    }

    /// At the end: nothing pending or dead, and every delivery received.
    pub fn check_delivered(snapshot: &Snapshot, receipts: &Receipts) -> Violations {
        let received = received_ids(snapshot, receipts);
        let mut violations = Vec::new();
        for (msg_id, delivery) in &snapshot.deliveries {
            if delivery.status != "sent" {
                violations.push(format!(
                    "delivery {msg_id} is {} at the end (last error: {:?})",
                    delivery.status, delivery.last_error
                ));
            }
            if !received.contains(msg_id.as_str()) {
                violations.push(format!("delivery {msg_id} never reached its receiver"));
            }
        }
        violations
    }

    /// Versions stored after the baseline.
    pub fn recorded_versions(&self) -> usize {
        self.versions.values().map(Vec::len).sum::<usize>() - self.baseline.len()
    }

    fn check_versions(&mut self, snapshot: &Snapshot, site: &Site, violations: &mut Violations) {
        for (doc, url) in &self.urls {
            match snapshot.documents.get(doc) {
                None => violations.push(format!("document {doc} ({url}) disappeared")),
                Some(d) if d.url != *url => violations.push(format!("document {doc} moved from {url} to {}", d.url)),
                Some(_) => {}
            }
        }
        for (doc, seen) in &self.versions {
            for (index, earlier) in seen.iter().enumerate() {
                let version = i64::try_from(index).unwrap_or(i64::MAX) + 1;
                match snapshot.versions.get(&(*doc, version)) {
                    None => violations.push(format!("document {doc} lost version {version}")),
                    Some(v) if v.hash != earlier.hash => {
                        violations.push(format!("document {doc} version {version} changed its hash"));
                    }
                    Some(_) => {}
                }
            }
        }
        for (doc, document) in &snapshot.documents {
            self.urls.entry(*doc).or_insert_with(|| document.url.clone());
            let count = snapshot.versions.range((*doc, 0)..=(*doc, i64::MAX)).count();
            if i64::try_from(count).ok() != Some(document.versions) {
                violations.push(format!(
                    "document {doc} ({}) counts {} versions but has {count}",
                    document.url, document.versions
                ));
            }
            let latest = snapshot.versions.get(&(*doc, document.versions)).map(|v| v.hash.as_str());
            if latest != document.hash.as_deref() {
                violations.push(format!("document {doc}: its hash is not its latest version's"));
            }
            let seen = self.versions.entry(*doc).or_default();
            for version in (seen.len() + 1)..=count {
                let number = i64::try_from(version).unwrap_or(i64::MAX);
                let Some(stored) = snapshot.versions.get(&(*doc, number)) else {
                    violations.push(format!("document {doc} has no version {number} but counts {count}"));
                    break;
                };
                let Some(revision) = site.revision_of(&document.url, &lines_of(&stored.text)) else {
                    violations.push(format!(
                        "document {doc} version {number}: a text the site never served at {}: {:?}",
                        document.url, stored.text
                    ));
                    break;
                };
                if seen.last().is_some_and(|last| last.revision >= revision) {
                    violations.push(format!("document {doc} version {number}: revision {revision} after a later one"));
                }
                seen.push(Seen { hash: stored.hash.clone(), revision });
            }
        }
    }

    fn check_changes(&mut self, snapshot: &Snapshot, violations: &mut Violations) {
        for (id, key) in &self.changes {
            match snapshot.changes.get(id) {
                Some(c) if (c.doc, c.to_version) == *key => {}
                _ => violations.push(format!("change {id} (document {} version {}) disappeared", key.0, key.1)),
            }
        }
        let mut by_version: HashMap<(i64, i64), i64> = HashMap::new();
        for (id, change) in &snapshot.changes {
            let key = (change.doc, change.to_version);
            self.changes.insert(*id, key);
            if !snapshot.versions.contains_key(&key) {
                violations.push(format!("change {id}: document {} has no version {}", key.0, key.1));
            }
            if self.baseline.contains(&key) {
                violations.push(format!("change {id}: a baseline version alerted"));
            }
            if let Some(other) = by_version.insert(key, *id) {
                violations.push(format!("changes {other} and {id} both record document {} version {}", key.0, key.1));
            }
        }
        for key in snapshot.versions.keys() {
            if !self.baseline.contains(key) && !by_version.contains_key(key) {
                violations.push(format!("document {} version {}: recorded without a change", key.0, key.1));
            }
        }
    }

    fn check_deliveries(&mut self, snapshot: &Snapshot, receipts: &Receipts, violations: &mut Violations) {
        for (msg_id, (change, subscriber, sent)) in &self.deliveries {
            match snapshot.deliveries.get(msg_id) {
                None => violations.push(format!("delivery {msg_id} disappeared")),
                Some(d) if d.change != *change || d.subscriber != *subscriber => {
                    violations.push(format!("delivery {msg_id} now belongs to another change or subscriber"));
                }
                Some(d) if *sent && d.status != "sent" => {
                    violations.push(format!("delivery {msg_id} was sent and is {} again", d.status));
                }
                Some(_) => {}
            }
        }
        let received = received_ids(snapshot, receipts);
        let mut routed: BTreeMap<i64, Vec<&str>> = BTreeMap::new();
        for (msg_id, delivery) in &snapshot.deliveries {
            let sent = delivery.status == "sent";
            self.deliveries.insert(msg_id.clone(), (delivery.change, delivery.subscriber.clone(), sent));
            match delivery.status.as_str() {
                "pending" | "sent" => {}
                other => violations.push(format!("delivery {msg_id} is {other}: {:?}", delivery.last_error)),
            }
            if sent && !received.contains(msg_id.as_str()) {
                violations.push(format!("delivery {msg_id} is sent but its receiver never accepted it"));
            }
            match delivery.change.and_then(|c| Some((c, snapshot.changes.get(&c)?))) {
                Some((id, change)) => {
                    let source = snapshot.documents.get(&change.doc).map(|d| d.source.as_str());
                    if source != Some(delivery.source.as_str()) {
                        violations
                            .push(format!("delivery {msg_id} names source {}, its change {source:?}", delivery.source));
                    }
                    routed.entry(id).or_default().push(&delivery.subscriber);
                }
                None => violations.push(format!("delivery {msg_id} has no change ({:?})", delivery.change)),
            }
        }
        for (id, change) in &snapshot.changes {
            let source = snapshot.documents.get(&change.doc).map_or("", |d| d.source.as_str());
            let mut expected: Vec<&str> =
                super::config::SUBSCRIBERS.iter().filter(|s| s.wants(&change.topics, source)).map(|s| s.id).collect();
            let mut got = routed.remove(id).unwrap_or_default();
            expected.sort_unstable();
            got.sort_unstable();
            if got != expected {
                violations.push(format!(
                    "change {id} ({source}, topics {:?}) has deliveries for {got:?}, routing calls for {expected:?}",
                    change.topics
                ));
            }
        }
    }
}

/// Every request and email belongs to a delivery in the database, as stored; one change to one
/// subscriber is always announced under one id.
fn check_receipts(snapshot: &Snapshot, receipts: &Receipts, violations: &mut Violations) {
    let mut ids_by_event: HashMap<(String, String), HashSet<&str>> = HashMap::new();
    for hook in &receipts.hooks {
        let Some(delivery) = snapshot.deliveries.get(&hook.webhook_id) else {
            violations
                .push(format!("/hook/{} got webhook-id {:?}, which no delivery has", hook.subscriber, hook.webhook_id));
            continue;
        };
        if delivery.subscriber != hook.subscriber || delivery.channel != "webhook" {
            violations.push(format!("webhook-id {} reached /hook/{}", hook.webhook_id, hook.subscriber));
        }
        let body: serde_json::Value = serde_json::from_slice(&hook.body).unwrap_or_default();
        if body != delivery.payload || body["id"] != hook.webhook_id.as_str() {
            violations.push(format!("webhook-id {}: the body is not the stored event", hook.webhook_id));
        }
        let signed =
            Subscriber::named(&hook.subscriber).is_some_and(|s| s.channel == Channel::Webhook { signed: true });
        if signed && !hook.verified {
            violations.push(format!("webhook-id {}: the signature does not verify", hook.webhook_id));
        }
        // The event as the receiver sees it, whatever id it came under.
        let event = format!(
            "{} {} {}",
            body["type"],
            body["data"]["document"]["url"],
            body["data"]["change"]["to_version"].as_i64().unwrap_or(1)
        );
        ids_by_event.entry((hook.subscriber.clone(), event)).or_default().insert(&hook.webhook_id);
    }
    for ((subscriber, event), ids) in ids_by_event {
        if ids.len() > 1 {
            violations.push(format!("/hook/{subscriber} got {event} under {} ids: {ids:?}", ids.len()));
        }
    }
    let emails: HashMap<String, &str> = snapshot
        .deliveries
        .iter()
        .filter(|(_, d)| d.channel == "email")
        .map(|(msg_id, d)| (message_id(msg_id), d.subscriber.as_str()))
        .collect();
    for mail in &receipts.mails {
        match emails.get(&mail.message_id).and_then(|s| Subscriber::named(s)) {
            Some(Subscriber { channel: Channel::Email(address), .. }) if mail.to == [*address] => {}
            Some(_) => violations.push(format!("email {} went to {:?}", mail.message_id, mail.to)),
            None => violations.push(format!("email {} belongs to no email delivery", mail.message_id)),
        }
    }
}

/// The msg ids of `snapshot`'s deliveries a receiver accepted (webhooks answered 2xx, emails
/// taken by the server).
fn received_ids<'s>(snapshot: &'s Snapshot, receipts: &Receipts) -> HashSet<&'s str> {
    let hooks: HashSet<&str> = receipts.hooks.iter().filter(|h| h.accepted).map(|h| h.webhook_id.as_str()).collect();
    let mails: HashSet<&str> = receipts.mails.iter().map(|m| m.message_id.as_str()).collect();
    snapshot
        .deliveries
        .iter()
        .filter(|(msg_id, d)| match d.channel.as_str() {
            "email" => mails.contains(message_id(msg_id).as_str()),
            _ => hooks.contains(msg_id.as_str()),
        })
        .map(|(msg_id, _)| msg_id.as_str())
        .collect()
}

/// The `Message-ID` regwatch gives an immediate alert email for `msg_id`.
pub fn message_id(msg_id: &str) -> String {
    let safe: String =
        msg_id.chars().map(|c| if c.is_ascii_alphanumeric() || "._-".contains(c) { c } else { '_' }).collect();
    format!("<alert-{safe}@regwatch>")
}

fn lines_of(text: &str) -> Vec<String> {
    text.lines().map(str::to_owned).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kill::site::SOURCES;
    use crate::kill::snapshot::{Change, Delivery, Document, Version};

    /// A site, and a snapshot of its first listed document recorded by the baseline.
    fn baseline() -> (Site, Snapshot) {
        let site = Site::start(&mut fastrand::Rng::with_seed(7));
        let mut snapshot = Snapshot { integrity: vec!["ok".into()], ..Snapshot::default() };
        add_document(&mut snapshot, &site, 1);
        (site, snapshot)
    }

    /// Records the site's `n`th listed document as document `n`, version 1.
    fn add_document(snapshot: &mut Snapshot, site: &Site, n: i64) {
        let (source, url, lines) = site.listed_now().swap_remove(usize::try_from(n).unwrap());
        let hash = format!("hash-{n}");
        snapshot
            .documents
            .insert(n, Document { source: SOURCES[source].into(), url, versions: 1, hash: Some(hash.clone()) });
        snapshot.versions.insert((n, 1), Version { hash, text: lines.join("\n") });
    }

    /// Document 2, new after the baseline, with its change and its newsletter delivery.
    fn after_a_change(site: &Site, mut snapshot: Snapshot, status: &str) -> Snapshot {
        add_document(&mut snapshot, site, 2);
        let url = snapshot.documents[&2].url.clone();
        let source = snapshot.documents[&2].source.clone();
        snapshot.changes.insert(1, Change { doc: 2, to_version: 1, topics: Vec::new() });
        let payload = serde_json::json!({"id": "msg_1_newsletter", "type": "document.new",
                                         "data": {"document": {"url": url}, "change": null}});
        snapshot.deliveries.insert(
            "msg_1_newsletter".into(),
            Delivery {
                subscriber: "newsletter".into(),
                channel: "webhook".into(),
                source,
                change: Some(1),
                status: status.into(),
                last_error: None,
                payload,
            },
        );
        snapshot
    }

    fn hook(snapshot: &Snapshot, id: &str, accepted: bool) -> Hook {
        let mut body = snapshot.deliveries["msg_1_newsletter"].payload.clone();
        body["id"] = id.into();
        Hook {
            subscriber: "newsletter".into(),
            webhook_id: id.into(),
            body: body.to_string().into(),
            verified: true,
            accepted,
        }
    }

    fn mentions(violations: &Violations, needle: &str) -> bool {
        violations.iter().any(|v| v.contains(needle))
    }

    #[test]
    fn a_sound_history_passes() {
        let (site, base) = baseline();
        let (mut ledger, violations) = Ledger::baseline(&base, &site);
        assert_eq!(violations, Violations::new());
        let changed = after_a_change(&site, base, "sent");
        let receipts = Receipts { hooks: vec![hook(&changed, "msg_1_newsletter", true)], mails: Vec::new() };
        assert_eq!(ledger.check(&changed, &site, &receipts), Violations::new());
        assert_eq!(Ledger::check_delivered(&changed, &receipts), Violations::new());
        assert_eq!(ledger.recorded_versions(), 1);
    }

    #[test]
    fn a_lost_version_and_a_broken_database_are_found() {
        let (site, base) = baseline();
        let (mut ledger, _) = Ledger::baseline(&base, &site);
        let mut later = base;
        later.versions.clear();
        later.integrity = vec!["row 3 missing from index".into()];
        let violations = ledger.check(&later, &site, &Receipts::default());
        assert!(mentions(&violations, "lost version 1"), "{violations:?}");
        assert!(mentions(&violations, "integrity_check"), "{violations:?}");
    }

    #[test]
    fn a_text_the_site_never_served_is_found() {
        let (site, mut base) = baseline();
        base.versions.get_mut(&(1, 1)).unwrap().text.push_str("\n第九条 多出来的一条。");
        let (_, violations) = Ledger::baseline(&base, &site);
        assert!(mentions(&violations, "a text the site never served"), "{violations:?}");
    }

    #[test]
    fn a_change_without_its_delivery_is_found() {
        let (site, base) = baseline();
        let (mut ledger, _) = Ledger::baseline(&base, &site);
        let mut changed = after_a_change(&site, base, "pending");
        changed.deliveries.clear();
        let violations = ledger.check(&changed, &site, &Receipts::default());
        assert!(mentions(&violations, "routing calls for [\"newsletter\"]"), "{violations:?}");
    }

    #[test]
    fn a_version_without_a_change_is_found() {
        let (site, base) = baseline();
        let (mut ledger, _) = Ledger::baseline(&base, &site);
        let mut changed = after_a_change(&site, base, "pending");
        changed.changes.clear();
        changed.deliveries.clear();
        let violations = ledger.check(&changed, &site, &Receipts::default());
        assert!(mentions(&violations, "recorded without a change"), "{violations:?}");
    }

    #[test]
    fn sent_but_never_received_and_left_pending_are_found() {
        let (site, base) = baseline();
        let (mut ledger, _) = Ledger::baseline(&base, &site);
        let sent = after_a_change(&site, base, "sent");
        let refused = Receipts { hooks: vec![hook(&sent, "msg_1_newsletter", false)], mails: Vec::new() };
        let violations = ledger.check(&sent, &site, &refused);
        assert!(mentions(&violations, "sent but its receiver never accepted it"), "{violations:?}");

        let mut pending = sent;
        pending.deliveries.get_mut("msg_1_newsletter").unwrap().status = "pending".into();
        let violations = ledger.check(&pending, &site, &refused);
        assert!(mentions(&violations, "was sent and is pending again"), "{violations:?}");
        let violations = Ledger::check_delivered(&pending, &refused);
        assert!(mentions(&violations, "is pending at the end"), "{violations:?}");
        assert!(mentions(&violations, "never reached its receiver"), "{violations:?}");
    }

    #[test]
    fn a_repeat_under_another_id_and_a_phantom_request_are_found() {
        let (site, base) = baseline();
        let (mut ledger, _) = Ledger::baseline(&base, &site);
        let changed = after_a_change(&site, base, "sent");
        let receipts = Receipts {
            hooks: vec![hook(&changed, "msg_1_newsletter", true), hook(&changed, "msg_9_newsletter", true)],
            mails: Vec::new(),
        };
        let violations = ledger.check(&changed, &site, &receipts);
        assert!(mentions(&violations, "which no delivery has"), "{violations:?}");
        let mut twice = changed;
        let copy = twice.deliveries["msg_1_newsletter"].clone();
        twice.deliveries.insert("msg_9_newsletter".into(), copy);
        let violations = ledger.check(&twice, &site, &receipts);
        assert!(mentions(&violations, "under 2 ids"), "{violations:?}");
    }
}
