//! Running regwatch under the harness: spawning `check` or `run` on the workspace's config, and
//! SIGKILLing each process when its trigger fires: at once, after a random delay, on a write to
//! the database (a commit in progress or just made), or when a delivery reaches a receiver
//! (before the sender has its answer).
//!
//! Not here: what the kills are checked against (`snapshot`, `ledger`).

use std::fs::File;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant, SystemTime};

/// A trigger that has not fired by then kills anyway: no process outlives this.
const LONGEST: Duration = Duration::from_secs(2);
/// How often triggers are looked at; short, because a commit takes well under a millisecond.
const POLL: Duration = Duration::from_micros(50);
const SIGKILL: i32 = 9;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Check,
    Run,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Self::Check => "check",
            Self::Run => "run",
        }
    }
}

/// When to kill.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// Right after the process starts: it dies opening (and recovering) the database.
    AtStart,
    After(Duration),
    /// On the `n`th change seen to the database or its WAL after the start.
    OnWrite(u32),
    /// When the next request reaches the webhook receiver.
    OnDelivery,
}

impl Trigger {
    /// A trigger for a first fault: any moment of a process's life up to [`LONGEST`].
    pub fn any(rng: &mut fastrand::Rng) -> Self {
        match rng.u8(0..20) {
            0..=1 => Self::AtStart,
            2..=9 => Self::After(Duration::from_millis(rng.u64(0..2000))),
            10..=15 => Self::OnWrite(rng.u32(1..5)),
            _ => Self::OnDelivery,
        }
    }

    /// A trigger for a second fault: early, while the process recovers from the first.
    pub fn early(rng: &mut fastrand::Rng) -> Self {
        match rng.u8(0..10) {
            0..=2 => Self::AtStart,
            3..=6 => Self::After(Duration::from_millis(rng.u64(0..300))),
            _ => Self::OnWrite(1),
        }
    }
}

/// Which trigger actually ended a process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fired {
    AtStart,
    Timed,
    OnWrite,
    OnDelivery,
}

/// How a process ended.
#[derive(Debug)]
pub enum Ended {
    Killed(Fired),
    /// It finished before its trigger fired.
    Exited {
        status: ExitStatus,
        stdout: String,
        log: PathBuf,
    },
}

/// A process under test.
pub struct Spawned {
    pub role: Role,
    child: Child,
    trigger: Trigger,
    started: Instant,
    writes: u32,
    deliveries_at_start: usize,
    stdout: PathBuf,
    log: PathBuf,
}

/// Where the harness's regwatch runs: the binary, its config, and a folder for its output.
pub struct Bench {
    pub binary: PathBuf,
    pub config: PathBuf,
    pub dir: PathBuf,
    pub database: PathBuf,
}

impl Bench {
    /// Starts `role`; `tag` names its log files (`logs/{tag}.log`, `.out`).
    pub fn spawn(&self, role: Role, trigger: Trigger, tag: &str, deliveries: usize) -> Spawned {
        let logs = self.dir.join("logs");
        std::fs::create_dir_all(&logs).expect("create the log folder");
        let (stdout, log) = (logs.join(format!("{tag}.out")), logs.join(format!("{tag}.log")));
        let mut command = self.command(role);
        command
            .stdout(File::create(&stdout).expect("create a stdout file"))
            .stderr(File::create(&log).expect("create a log file"));
        let child = command.spawn().unwrap_or_else(|e| panic!("cannot start {}: {e}", self.binary.display()));
        Spawned {
            role,
            child,
            trigger,
            started: Instant::now(),
            writes: 0,
            deliveries_at_start: deliveries,
            stdout,
            log,
        }
    }

    /// The command line for `role`, without its output set.
    pub fn command(&self, role: Role) -> Command {
        let mut command = Command::new(&self.binary);
        command.arg("--config").arg(&self.config).arg(role.name());
        if role == Role::Check {
            command.arg("--json");
        }
        command
            .current_dir(&self.dir)
            .env_remove("REGWATCH_CONFIG")
            .env_remove("NOTIFY_SOCKET")
            .env("RUST_LOG", "regwatch=info")
            .stdin(Stdio::null());
        command
    }

    /// Size and modification time of the database and its WAL: any commit changes one.
    fn files(&self) -> [(u64, Option<SystemTime>); 2] {
        let mut wal = self.database.clone().into_os_string();
        wal.push("-wal");
        [stat(&self.database), stat(Path::new(&wal))]
    }

    /// Waits for each process's trigger (or its own exit) and kills it; `deliveries` counts the
    /// requests receivers have had so far.
    pub fn kill_all(&self, mut running: Vec<Spawned>, deliveries: &dyn Fn() -> usize) -> Vec<(Role, Ended)> {
        let mut ended = Vec::new();
        let mut files = self.files();
        while !running.is_empty() {
            let now = self.files();
            let wrote = now != files;
            files = now;
            let arrived = deliveries();
            let mut index = 0;
            while index < running.len() {
                let process = &mut running[index];
                process.writes += u32::from(wrote);
                match process.due(arrived) {
                    Some(fired) => {
                        let mut process = running.swap_remove(index);
                        ended.push((process.role, process.kill(fired)));
                    }
                    None => index += 1,
                }
            }
            if !running.is_empty() {
                std::thread::sleep(POLL);
            }
        }
        ended
    }
}

fn stat(path: &Path) -> (u64, Option<SystemTime>) {
    std::fs::metadata(path).map_or((0, None), |m| (m.len(), m.modified().ok()))
}

impl Spawned {
    /// SIGTERM, then its exit status; `None` when it did not exit within `within` (it is then
    /// killed).
    pub fn terminate(&mut self, within: Duration) -> Option<ExitStatus> {
        let sent = Command::new("kill").arg("-TERM").arg(self.child.id().to_string()).status();
        if !sent.is_ok_and(|s| s.success()) {
            return None;
        }
        let since = Instant::now();
        while since.elapsed() < within {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        None
    }

    /// The trigger that fires now, if any.
    fn due(&self, arrived: usize) -> Option<Fired> {
        let elapsed = self.started.elapsed();
        match self.trigger {
            Trigger::AtStart => Some(Fired::AtStart),
            Trigger::After(delay) if elapsed >= delay => Some(Fired::Timed),
            Trigger::OnWrite(n) if self.writes >= n => Some(Fired::OnWrite),
            Trigger::OnDelivery if arrived > self.deliveries_at_start => Some(Fired::OnDelivery),
            _ if elapsed >= LONGEST => Some(Fired::Timed),
            _ => None,
        }
    }

    /// SIGKILL, unless it already exited on its own (which the caller checks).
    fn kill(&mut self, fired: Fired) -> Ended {
        // `kill` on a process that exited but was not yet reaped succeeds and does nothing: the
        // exit status below tells the two apart.
        let _ = self.child.kill();
        let status = self.child.wait().expect("wait for a killed process");
        if status.signal() == Some(SIGKILL) {
            Ended::Killed(fired)
        } else {
            let stdout = std::fs::read_to_string(&self.stdout).unwrap_or_default();
            Ended::Exited { status, stdout, log: self.log.clone() }
        }
    }
}

impl Drop for Spawned {
    /// No process outlives the harness, even when a check fails half-way through a round.
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
