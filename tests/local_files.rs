//! The files regwatch writes on the local machine: the database and its WAL are owner-only
//! whatever the umask, a backup never writes through a symlink planted where it goes, and the
//! demo works in a fresh private directory and keeps its webhook secret owner-only.

#![cfg(unix)]

mod common;

use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::Path;
use std::process::Command;

use common::{LOOPBACK_FETCH, Page, TestSite, Workspace};

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())).permissions().mode() & 0o777
}

#[test]
fn the_database_and_its_wal_are_owner_only() {
    let site = TestSite::start();
    site.put("/p.htm", Page::html("<html><body><article><p>第一条 正文。</p></article></body></html>"));
    let ws = Workspace::new(&format!(
        "{LOOPBACK_FETCH}\n[[source]]\nid = \"p\"\nkind = \"page\"\nurl = \"{}\"\n",
        site.url("/p.htm")
    ));
    // A generous umask, as outside systemd: without care SQLite's files would be 0644.
    let output = Command::new("sh")
        .arg("-c")
        .arg("umask 022 && exec \"$0\" --config \"$1\" check")
        .arg(env!("CARGO_BIN_EXE_regwatch"))
        .arg(ws.config_path())
        .current_dir(ws.path())
        .env_remove("REGWATCH_CONFIG")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    // A reader that keeps the WAL open while we look (the writer checkpointed on close).
    let db = ws.path().join("regwatch.db");
    let reader = rusqlite::Connection::open(&db).unwrap();
    reader.query_row("SELECT count(*) FROM document", [], |row| row.get::<_, i64>(0)).unwrap();
    for file in ["regwatch.db", "regwatch.db-wal", "regwatch.db-shm"] {
        assert_eq!(mode(&ws.path().join(file)), 0o600, "{file}");
    }
}

#[test]
fn a_backup_never_writes_through_a_symlink() {
    let ws = Workspace::new("");
    ws.run(&["check"]).success();
    let elsewhere = tempfile::tempdir().unwrap();
    let target = elsewhere.path().join("stolen.db");
    let link = ws.path().join("backup.db");
    symlink(&target, &link).unwrap();
    let run = ws.run(&["db", "backup", link.to_str().unwrap()]);
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("already exists"), "{}", run.stderr);
    assert!(!target.exists(), "the backup was written through a dangling symlink");

    let fresh = ws.path().join("fresh.db");
    ws.run(&["db", "backup", fresh.to_str().unwrap()]).success();
    assert_eq!(mode(&fresh), 0o600);
    let copy = rusqlite::Connection::open(&fresh).unwrap();
    let tables: i64 =
        copy.query_row("SELECT count(*) FROM sqlite_master WHERE type = 'table'", [], |r| r.get(0)).unwrap();
    assert!(tables > 3);
    // Refused the second time: an existing file is no place for a backup either.
    assert_ne!(ws.run(&["db", "backup", fresh.to_str().unwrap()]).code, 0);
}

#[test]
fn the_demo_keeps_its_secret_owner_only_and_follows_no_planted_symlink() {
    let keep = tempfile::tempdir().unwrap();
    let dir = keep.path().join("demo");
    std::fs::create_dir(&dir).unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let target = elsewhere.path().join("captured-secret");
    symlink(&target, dir.join("hook.secret")).unwrap();
    let planted = Command::new(env!("CARGO_BIN_EXE_regwatch"))
        .args(["demo", "--keep"])
        .arg(&dir)
        .env_remove("REGWATCH_CONFIG")
        .output()
        .unwrap();
    assert!(!planted.status.success(), "the demo wrote through a symlink");
    assert!(!target.exists());
    assert!(String::from_utf8_lossy(&planted.stderr).contains("cannot write the demo webhook secret"));

    std::fs::remove_file(dir.join("hook.secret")).unwrap();
    let run = Command::new(env!("CARGO_BIN_EXE_regwatch"))
        .args(["demo", "--keep"])
        .arg(&dir)
        .env_remove("REGWATCH_CONFIG")
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    assert_eq!(mode(&dir.join("hook.secret")), 0o600);
    assert_eq!(mode(&dir.join("regwatch.db")), 0o600);
}

#[test]
fn the_demo_works_in_a_private_directory_and_removes_it() {
    let tmp = tempfile::tempdir().unwrap();
    // What the old demo used: a name anyone could predict and prepare.
    let predictable = tmp.path().join("regwatch-demo-planted");
    std::fs::create_dir(&predictable).unwrap();
    let run = Command::new(env!("CARGO_BIN_EXE_regwatch"))
        .arg("demo")
        .env("TMPDIR", tmp.path())
        .env_remove("REGWATCH_CONFIG")
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let left: Vec<String> =
        std::fs::read_dir(tmp.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(left, ["regwatch-demo-planted"], "the demo left files behind or used a known name");
    assert_eq!(std::fs::read_dir(&predictable).unwrap().count(), 0);
}
