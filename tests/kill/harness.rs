//! The kill harness's rounds: change the site, start `check`, `run` or both on the same
//! database, SIGKILL them at random moments (and, now and then, SIGKILL what starts next while
//! it recovers), then check the database against the ledger. At the end a clean `check` and a
//! `run` given time to deliver must leave every change delivered and nothing pending.
//!
//! Not here: the site's content (`site`), the triggers (`process`), the invariants (`ledger`).

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::config::{self, SECRET};
use super::ledger::{Ledger, Mail, Receipts, Violations};
use super::process::{Bench, Ended, Fired, Role, Spawned, Trigger};
use super::receiver::Receiver;
use super::site::{SOURCES, Site};
use super::snapshot::Snapshot;
use super::wal;
use crate::alert_common::smtp::{self, SmtpServer};

/// How long the final `run` may take to deliver what is left.
const DELIVER_WITHIN: Duration = Duration::from_secs(90);
/// A clean stop drains within the daemon's 20 s deadline, plus its commit.
const STOP_WITHIN: Duration = Duration::from_secs(25);

/// What to run.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Stop starting rounds once this many processes were killed.
    pub kills: usize,
    pub seed: u64,
    pub binary: PathBuf,
}

/// What a run did: the figures the README quotes.
#[derive(Debug, Default)]
pub struct Figures {
    pub seed: u64,
    pub rounds: usize,
    pub kills: usize,
    pub by_trigger: BTreeMap<&'static str, usize>,
    /// Kills of a process started on a database whose last writer had just been killed, while
    /// it was starting up (opening, recovering the WAL, its first writes).
    pub double_faults: usize,
    /// Kills that left a transaction half-written in the WAL (frames no commit frame closes),
    /// which the next open had to discard. A floor: with two processes, the survivor may
    /// overwrite the first one's torn frames before it is killed in turn.
    pub mid_commit: usize,
    /// Rounds that ran `check` and `run` on the database at once.
    pub both_at_once: usize,
    /// Processes that finished before their trigger fired (each a clean exit, checked).
    pub finished: usize,
    /// What the site did: documents published (of them, finals of a listed draft) and edits.
    pub published: usize,
    pub finals: usize,
    pub edits: usize,
    pub documents: usize,
    /// Versions recorded after the baseline.
    pub versions: usize,
    pub changes: usize,
    pub deliveries: usize,
    /// Webhook requests received, and how many were refused with a 503.
    pub requests: usize,
    pub refused: usize,
    /// Emails received.
    pub emails: usize,
    /// Arrivals of a delivery its receiver had already accepted (webhooks) or received (email).
    pub repeats: usize,
    /// Violations of the ledger: versions or deliveries lost, and the rest. Always 0 in a
    /// passing run, which stops at the first.
    pub lost: usize,
    pub elapsed: Duration,
}

impl fmt::Display for Figures {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let triggers: Vec<String> = self.by_trigger.iter().map(|(k, v)| format!("{k} {v}")).collect();
        writeln!(f, "seed {}: {} rounds in {:.0?}", self.seed, self.rounds, self.elapsed)?;
        writeln!(f, "kills: {} ({}), double faults: {}", self.kills, triggers.join(", "), self.double_faults)?;
        writeln!(f, "kills that cut a commit short (uncommitted frames left in the WAL): {}", self.mid_commit)?;
        writeln!(
            f,
            "rounds with check and run at once: {}; processes that finished first: {}",
            self.both_at_once, self.finished
        )?;
        writeln!(
            f,
            "site: {} documents published ({} finals of drafts), {} edits",
            self.published, self.finals, self.edits
        )?;
        writeln!(
            f,
            "documents: {}, versions after the baseline: {}, changes: {}",
            self.documents, self.versions, self.changes
        )?;
        writeln!(
            f,
            "deliveries: {}; webhook requests: {} ({} refused with 503), emails: {}; repeats: {}",
            self.deliveries, self.requests, self.refused, self.emails, self.repeats
        )?;
        write!(f, "lost or broken: {}", self.lost)
    }
}

pub struct Harness {
    /// Kept on failure, with the database, its last snapshot and the processes' logs.
    dir: Option<tempfile::TempDir>,
    bench: Bench,
    site: Site,
    receiver: Receiver,
    smtp: SmtpServer,
    rng: fastrand::Rng,
    ledger: Ledger,
    figures: Figures,
    kills: usize,
    started: Instant,
    spawned: usize,
    round_logs: Vec<PathBuf>,
    /// Last, so the servers' tasks stop after everything that talks to them.
    _runtime: tokio::runtime::Runtime,
}

impl Harness {
    /// Starts the site and receivers, writes the config, and records the baseline with a clean
    /// `check`.
    pub fn start(settings: &Settings) -> Self {
        crate::alert_common::install_crypto();
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let key = regwatch::alert::webhook::signing_key(SECRET).expect("the test secret is valid");
        let receiver = runtime.block_on(Receiver::start(&key));
        let smtp = runtime.block_on(smtp::start_with_delay(None, Duration::from_millis(10)));
        let mut rng = fastrand::Rng::with_seed(settings.seed);
        let site = Site::start(&mut rng);
        let dir = tempfile::Builder::new().prefix("regwatch-kill-").tempdir().expect("create a workspace");
        let config = dir.path().join("regwatch.toml");
        std::fs::write(&config, config::toml(&site, &receiver.base, smtp.addr.port())).unwrap();
        std::fs::write(dir.path().join("hook.secret"), SECRET).unwrap();
        let bench = Bench {
            binary: settings.binary.clone(),
            config,
            dir: dir.path().to_owned(),
            database: dir.path().join("regwatch.db"),
        };
        let mut harness = Self {
            dir: Some(dir),
            bench,
            site,
            receiver,
            smtp,
            rng,
            ledger: Ledger::default(),
            figures: Figures { seed: settings.seed, ..Figures::default() },
            kills: settings.kills,
            started: Instant::now(),
            spawned: 0,
            round_logs: Vec::new(),
            _runtime: runtime,
        };
        harness.baseline();
        harness
    }

    /// Rounds until `kills` processes were killed, then the final delivery; the figures.
    pub fn run(mut self) -> Figures {
        let mut reported = 0;
        while self.figures.kills < self.kills {
            self.round();
            // A long run says how far it got, every hundred kills.
            if self.figures.kills / 100 > reported {
                reported = self.figures.kills / 100;
                let (kills, rounds, elapsed) = (self.figures.kills, self.figures.rounds, self.started.elapsed());
                eprintln!("kill harness: {kills} kills in {rounds} rounds, {elapsed:.0?}");
            }
        }
        self.finish();
        self.figures.elapsed = self.started.elapsed();
        self.figures
    }

    fn baseline(&mut self) {
        let output = self.bench.command(Role::Check).output().expect("run the baseline check");
        let stdout = String::from_utf8_lossy(&output.stdout);
        if !output.status.success() || completed(&stdout).len() != SOURCES.len() {
            self.fail(&[format!(
                "the baseline check failed: {}\n{stdout}\n{}",
                output.status,
                String::from_utf8_lossy(&output.stderr)
            )]);
        }
        let snapshot = self.snapshot();
        let (ledger, violations) = Ledger::baseline(&snapshot, &self.site);
        self.ledger = ledger;
        self.judge(&violations);
    }

    /// One round: change the site, kill what runs on it, maybe kill what starts next, check.
    fn round(&mut self) {
        self.figures.rounds += 1;
        self.round_logs.clear();
        let mutation = self.site.mutate(&mut self.rng);
        self.figures.published += mutation.added;
        self.figures.finals += mutation.finals;
        self.figures.edits += mutation.edited;
        // The first round always runs both at once, and the first kill is always followed by a
        // second fault (below): a run of a handful of kills, as in CI, covers both.
        let roles: &[Role] = match self.rng.u8(0..10) {
            _ if self.figures.rounds == 1 => &[Role::Check, Role::Run],
            0..=3 => &[Role::Check],
            4..=7 => &[Role::Run],
            _ => &[Role::Check, Role::Run],
        };
        self.figures.both_at_once += usize::from(roles.len() > 1);
        let running: Vec<Spawned> = roles
            .iter()
            .map(|role| {
                let trigger = Trigger::any(&mut self.rng);
                self.spawn(*role, trigger)
            })
            .collect();
        let mut completed = Vec::new();
        let mut killed = self.settle(running, &mut completed);
        // A second fault while the next process starts on what the first left behind.
        while killed && (self.figures.double_faults == 0 || self.rng.u8(0..10) < 3) {
            let role = if self.rng.bool() { Role::Check } else { Role::Run };
            // Until the first double fault, one that surely lands: on the first write (its first
            // commit on what the kill left), or when the trigger's time is up.
            let trigger =
                if self.figures.double_faults == 0 { Trigger::OnWrite(1) } else { Trigger::early(&mut self.rng) };
            let next = self.spawn(role, trigger);
            killed = self.settle(vec![next], &mut completed);
            self.figures.double_faults += usize::from(killed);
        }
        completed.sort_unstable();
        completed.dedup();
        self.verify(&completed);
    }

    fn spawn(&mut self, role: Role, trigger: Trigger) -> Spawned {
        self.spawned += 1;
        // Logs of the last few processes are kept: a failure names them.
        let tag = format!("{}-{}", self.spawned % 8, role.name());
        self.round_logs.push(self.bench.dir.join("logs").join(format!("{tag}.log")));
        self.bench.spawn(role, trigger, &tag, self.receiver.arrived())
    }

    /// Kills `running` as their triggers fire; whether any was killed. A `check` that finished
    /// first must have exited 0, and adds the sources it polled completely to `completed`.
    fn settle(&mut self, running: Vec<Spawned>, completed: &mut Vec<usize>) -> bool {
        let receiver = &self.receiver;
        let mut killed = false;
        for (role, ended) in self.bench.kill_all(running, &|| receiver.arrived()) {
            match ended {
                Ended::Killed(fired) => {
                    killed = true;
                    self.figures.kills += 1;
                    *self.figures.by_trigger.entry(trigger_name(fired)).or_default() += 1;
                }
                Ended::Exited { status, stdout, log } => {
                    self.figures.finished += 1;
                    if role == Role::Run || !status.success() {
                        let log = std::fs::read_to_string(&log).unwrap_or_default();
                        self.fail(&[format!("`{}` exited on its own with {status}:\n{stdout}\n{log}", role.name())]);
                    }
                    completed.extend(self::completed(&stdout));
                }
            }
        }
        // Read once everything is dead: a live process could be committing right now.
        self.figures.mid_commit += usize::from(killed && wal::uncommitted_frames(&self.bench.database) > 0);
        killed
    }

    fn verify(&mut self, completed: &[usize]) {
        let snapshot = self.snapshot();
        let receipts = self.receipts();
        let mut violations = self.ledger.check(&snapshot, &self.site, &receipts);
        violations.extend(Ledger::check_current(&snapshot, &self.site, completed));
        self.judge(&violations);
    }

    /// A clean `check`; due times reset; a `run` until nothing is pending, stopped with
    /// SIGTERM; then everything must have been delivered.
    fn finish(&mut self) {
        let output = self.bench.command(Role::Check).output().expect("run the final check");
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            self.fail(&[format!("the final check failed: {}\n{stdout}\n{stderr}", output.status)]);
        }
        let polled = completed(&stdout);
        self.verify(&polled);
        if polled.len() != SOURCES.len() {
            self.fail(&[format!("the final check did not poll every source completely:\n{stdout}")]);
        }
        self.release_claims();
        self.receiver.accept_all();
        self.deliver_with_run();
        let snapshot = self.snapshot();
        let receipts = self.receipts();
        let mut violations = self.ledger.check(&snapshot, &self.site, &receipts);
        violations.extend(Ledger::check_current(&snapshot, &self.site, &polled));
        violations.extend(Ledger::check_delivered(&snapshot, &receipts));
        self.judge(&violations);
        self.count(&snapshot, &receipts);
    }

    /// Deliveries claimed by a killed sender come back when their lease lapses (30 s) or at their
    /// next backoff time (minutes to hours after several claims); rather than wait for that, the
    /// final phase moves them to now, as if that time had passed. Nothing else is touched, and
    /// no regwatch process runs while this writes.
    fn release_claims(&mut self) {
        let conn = rusqlite::Connection::open(&self.bench.database).expect("open the database");
        conn.execute(
            "UPDATE delivery SET due_at = 0, leased_until = CASE WHEN leased_until IS NULL THEN NULL ELSE 0 END
             WHERE status = 'pending'",
            [],
        )
        .expect("release claims");
    }

    /// `run` until every delivery is sent, then SIGTERM, which must exit 0.
    fn deliver_with_run(&mut self) {
        self.round_logs.clear();
        let mut daemon = self.spawn(Role::Run, Trigger::After(DELIVER_WITHIN + STOP_WITHIN));
        let since = Instant::now();
        loop {
            std::thread::sleep(Duration::from_millis(200));
            match Snapshot::unsent_live(&self.bench.database) {
                Ok(0) => break,
                Ok(_) | Err(_) if since.elapsed() < DELIVER_WITHIN => {}
                unsent => self.fail(&[format!("the final run did not deliver everything in time: {unsent:?}")]),
            }
        }
        let stopped = daemon.terminate(STOP_WITHIN);
        if !stopped.is_some_and(|s| s.success()) {
            self.fail(&[format!("the final run did not stop cleanly on SIGTERM: {stopped:?}")]);
        }
    }

    fn snapshot(&mut self) -> Snapshot {
        let scratch = self.bench.dir.join("snapshot");
        match Snapshot::take(&self.bench.database, &scratch) {
            Ok(snapshot) => snapshot,
            Err(e) => self.fail(&[format!("the database cannot be read after the kill: {e}")]),
        }
    }

    fn receipts(&self) -> Receipts {
        let mails =
            self.smtp.messages().into_iter().map(|m| Mail { message_id: message_id_of(&m.data), to: m.to }).collect();
        Receipts { hooks: self.receiver.hooks(), mails }
    }

    fn count(&mut self, snapshot: &Snapshot, receipts: &Receipts) {
        let figures = &mut self.figures;
        figures.documents = snapshot.documents.len();
        figures.versions = self.ledger.recorded_versions();
        figures.changes = snapshot.changes.len();
        figures.deliveries = snapshot.deliveries.len();
        figures.requests = receipts.hooks.len();
        figures.refused = receipts.hooks.iter().filter(|h| !h.accepted).count();
        figures.emails = receipts.mails.len();
        let mut accepted = std::collections::HashSet::new();
        for hook in &receipts.hooks {
            figures.repeats += usize::from(accepted.contains(&hook.webhook_id));
            if hook.accepted {
                accepted.insert(hook.webhook_id.clone());
            }
        }
        let mut mailed = std::collections::HashSet::new();
        for mail in &receipts.mails {
            figures.repeats += usize::from(!mailed.insert(mail.message_id.clone()));
        }
    }

    fn judge(&mut self, violations: &Violations) {
        if !violations.is_empty() {
            self.figures.lost += violations.len();
            self.fail(violations);
        }
    }

    /// Stops the run, keeping the workspace (database, snapshot, logs) for a post-mortem.
    fn fail(&mut self, problems: &[String]) -> ! {
        self.figures.elapsed = self.started.elapsed();
        let kept = self.dir.take().map(tempfile::TempDir::keep);
        let logs: Vec<String> = self.round_logs.iter().map(|p| p.display().to_string()).collect();
        let shown: Vec<&String> = problems.iter().take(20).collect();
        panic!(
            "kill harness (seed {}, round {}, {} kills so far) found {} problem(s):\n{shown:#?}\n\
             workspace kept at {kept:?}; this round's logs: {logs:?}\nfigures so far:\n{}",
            self.figures.seed,
            self.figures.rounds,
            self.figures.kills,
            problems.len(),
            self.figures
        );
    }
}

/// The sources a `check --json` report shows polled without an error or a failed page.
fn completed(stdout: &str) -> Vec<usize> {
    let reports: Vec<serde_json::Value> = serde_json::from_str(stdout).unwrap_or_default();
    reports
        .iter()
        .filter(|r| r["error"].is_null() && r["warnings"].as_array().is_some_and(Vec::is_empty))
        .filter_map(|r| SOURCES.iter().position(|s| r["source"] == *s))
        .collect()
}

fn trigger_name(fired: Fired) -> &'static str {
    match fired {
        Fired::AtStart => "at start",
        Fired::Timed => "after a random delay",
        Fired::OnWrite => "on a database write",
        Fired::OnDelivery => "on a delivery",
    }
}

/// The `Message-ID` header of a raw message.
fn message_id_of(data: &[u8]) -> String {
    String::from_utf8_lossy(data)
        .lines()
        .take_while(|l| !l.is_empty())
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("message-id").then(|| value.trim().to_owned())
        })
        .unwrap_or_default()
}
