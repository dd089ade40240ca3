//! sd_notify without a crate: datagrams to `$NOTIFY_SOCKET` (a path, or an abstract socket
//! written `@name`). Without the variable every call is a no-op, so `run` works the same
//! outside systemd.

use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::{SocketAddr, UnixDatagram};
use std::time::Duration;

#[derive(Debug, Default)]
pub(crate) struct Notifier {
    target: Option<(UnixDatagram, SocketAddr)>,
    watchdog: Option<Duration>,
}

impl Notifier {
    pub(crate) fn from_env() -> Self {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    pub(crate) fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let target = lookup("NOTIFY_SOCKET").and_then(|path| {
            let addr = match path.strip_prefix('@') {
                Some(name) => SocketAddr::from_abstract_name(name.as_bytes()).ok()?,
                None => SocketAddr::from_pathname(&path).ok()?,
            };
            Some((UnixDatagram::unbound().ok()?, addr))
        });
        // WATCHDOG_PID, when set, names the process the watchdog is meant for.
        let ours = lookup("WATCHDOG_PID").is_none_or(|pid| pid.trim() == std::process::id().to_string());
        let watchdog = lookup("WATCHDOG_USEC")
            .and_then(|usec| usec.trim().parse::<u64>().ok())
            .filter(|usec| *usec > 0 && ours)
            .map(Duration::from_micros);
        Self { target, watchdog }
    }

    /// The interval systemd expects pings within, if it expects any.
    pub(crate) fn watchdog_interval(&self) -> Option<Duration> {
        self.watchdog
    }

    pub(crate) fn ready(&self) {
        self.send("READY=1");
    }

    pub(crate) fn reloading(&self) {
        self.send("RELOADING=1");
    }

    pub(crate) fn stopping(&self) {
        self.send("STOPPING=1");
    }

    pub(crate) fn watchdog(&self) {
        self.send("WATCHDOG=1");
    }

    pub(crate) fn status(&self, status: &str) {
        // One line: a newline would start a new assignment.
        self.send(&format!("STATUS={}", status.replace('\n', " ")));
    }

    fn send(&self, message: &str) {
        if let Some((socket, addr)) = &self.target
            && let Err(e) = socket.send_to_addr(message.as_bytes(), addr)
        {
            tracing::debug!(error = %e, message, "sd_notify message not delivered.");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_reach_the_socket_and_watchdog_reads_the_environment() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notify.sock");
        let listener = UnixDatagram::bind(&path).unwrap();
        let pid = std::process::id().to_string();
        let notifier = Notifier::from_lookup(|name| match name {
            "NOTIFY_SOCKET" => Some(path.display().to_string()),
            "WATCHDOG_USEC" => Some("30000000".into()),
            "WATCHDOG_PID" => Some(pid.clone()),
            _ => None,
        });
        assert_eq!(notifier.watchdog_interval(), Some(Duration::from_secs(30)));
        notifier.ready();
        notifier.status("watching 3 sources\nnow");
        notifier.watchdog();
        let mut buf = [0u8; 256];
        let mut received = Vec::new();
        for _ in 0..3 {
            let n = listener.recv(&mut buf).unwrap();
            received.push(String::from_utf8_lossy(&buf[..n]).into_owned());
        }
        assert_eq!(received, ["READY=1", "STATUS=watching 3 sources now", "WATCHDOG=1"]);
    }

    #[test]
    fn without_a_socket_nothing_happens_and_a_foreign_watchdog_is_ignored() {
        let notifier = Notifier::from_lookup(|name| match name {
            "WATCHDOG_USEC" => Some("1000000".into()),
            "WATCHDOG_PID" => Some("1".into()),
            _ => None,
        });
        assert_eq!(notifier.watchdog_interval(), None);
        notifier.ready();
    }
}
