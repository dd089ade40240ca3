//! Under systemd (JOURNAL_STREAM set) every log line carries its syslog priority, so
//! `journalctl -p warning` finds the warnings; elsewhere lines are plain.

mod common;

use std::process::Command;

use common::{LOOPBACK_FETCH, Page, TestSite, Workspace};

fn stderr_of_check(ws: &Workspace, journal: bool) -> String {
    let mut command = Command::new(env!("CARGO_BIN_EXE_regwatch"));
    command.arg("--config").arg(ws.config_path()).arg("check").current_dir(ws.path()).env("RUST_LOG", "regwatch=info");
    if journal {
        command.env("JOURNAL_STREAM", "8:12345");
    } else {
        command.env_remove("JOURNAL_STREAM");
    }
    let output = command.output().unwrap();
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn journal_lines_carry_their_priority() {
    let site = TestSite::start();
    site.put("/ok.htm", Page::html("<html><body><article><p>第一条 正文。</p></article></body></html>"));
    site.put("/broken.htm", Page::status(500));
    let ws = Workspace::new(&format!(
        "{LOOPBACK_FETCH}\n[[source]]\nid = \"ok\"\nkind = \"page\"\nurl = \"{}\"\n\n[[source]]\nid = \"broken\"\nkind = \"page\"\nurl = \"{}\"\n",
        site.url("/ok.htm"),
        site.url("/broken.htm")
    ));
    let journal = stderr_of_check(&ws, true);
    let lines: Vec<&str> = journal.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(!lines.is_empty());
    assert!(lines.iter().all(|l| l.starts_with('<')), "{journal}");
    let warning = lines.iter().find(|l| l.contains("Poll failed")).expect("a warning for the broken source");
    assert!(warning.starts_with("<4>"), "{warning}");
    assert!(lines.iter().any(|l| l.starts_with("<6>")), "{journal}");

    let plain = stderr_of_check(&ws, false);
    assert!(plain.contains("Poll failed"), "{plain}");
    assert!(plain.lines().all(|l| !l.starts_with('<')), "{plain}");
}
