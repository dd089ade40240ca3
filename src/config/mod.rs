//! The config: finding it (`--config`, `REGWATCH_CONFIG`, `./regwatch.toml`, or built-in
//! defaults), reading it with its includes, and validating it into `model::Config`, with every
//! problem reported at once as `ConfigIssue`s that name the file, line and key.
//!
//! Reading goes `file` (TOML syntax; `keys` reports unknown keys; serde into `raw`, which mirrors
//! the TOML key for key) → `include` (the globbed files, read the same way) → `validate` (with
//! `source`, `subscriber` and the one-value checks of `check`) → the typed `model`.
//!
//! Opens no socket and no database; the only outside state read is the files named, and
//! environment variables for `*_env` secrets (through an `EnvLookup`, so tests need not touch
//! the process environment).

mod check;
mod file;
mod include;
mod issue;
mod json_list;
mod keys;
mod raw;
mod request;
mod secrets;
mod shared;
mod source;
mod subscriber;
mod validate;
mod web;

pub mod defaults;
pub mod model;
pub mod schedule;
pub mod units;
pub mod webhook_secret;

use std::path::{Path, PathBuf};

pub use issue::{ConfigErrors, ConfigIssue, Severity};
pub use model::Config;
pub use source::compile_selector;

/// Looks up an environment variable by name; `load` passes the process environment.
pub type EnvLookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The file regwatch reads when neither `--config` nor `REGWATCH_CONFIG` names one.
pub const DEFAULT_FILE: &str = "regwatch.toml";

/// A config that validated, with what was accepted but looked wrong.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub config: Config,
    pub warnings: Vec<ConfigIssue>,
}

/// Reads, includes and validates the config file at `path`, taking secrets named by `*_env`
/// from the process environment. `builtin_topics` are the topic ids subscribers may name besides
/// the config's own `[[topic]]`s: the built-in pack's (`classify::TopicPack::builtin`), passed in
/// because the pack sits above the config.
pub fn load(path: &Path, builtin_topics: &[String]) -> Result<Loaded, ConfigErrors> {
    load_with(path, &|name| std::env::var(name).ok(), builtin_topics)
}

/// `load`, with environment variables read through `env`.
pub fn load_with(path: &Path, env: EnvLookup<'_>, builtin_topics: &[String]) -> Result<Loaded, ConfigErrors> {
    let mut issues = Vec::new();
    let mut sources = source::SourceChecker::new(env);
    let Some(main) =
        file::read(path.to_path_buf(), file::Role::Main, &mut issues, &mut |report, raw| sources.check(report, raw))
    else {
        return Err(ConfigErrors(issues));
    };
    finish_loading(&main, sources, env, builtin_topics, issues)
}

/// `load_with` on `text` as if it were the contents of `path` (includes and secret files are
/// still read relative to `path`): for the fuzzer and property tests.
pub fn load_from_str(
    path: &Path,
    text: String,
    env: EnvLookup<'_>,
    builtin_topics: &[String],
) -> Result<Loaded, ConfigErrors> {
    let mut issues = Vec::new();
    let mut sources = source::SourceChecker::new(env);
    let main = file::parse(path.to_path_buf(), text, file::Role::Main, &mut issues, &mut |report, raw| {
        sources.check(report, raw);
    });
    finish_loading(&main, sources, env, builtin_topics, issues)
}

fn finish_loading(
    main: &file::ParsedFile,
    mut sources: source::SourceChecker<'_>,
    env: EnvLookup<'_>,
    builtin_topics: &[String],
    mut issues: Vec<ConfigIssue>,
) -> Result<Loaded, ConfigErrors> {
    let includes = include::read_includes(main, &mut issues, &mut |report, raw| sources.check(report, raw));
    let config = validate::validate(main, &includes, sources, env, builtin_topics, &mut issues);
    let order: Vec<&Path> =
        std::iter::once(main.path.as_path()).chain(includes.iter().map(|f| f.path.as_path())).collect();
    sort_by_file_order(&mut issues, &order);
    match config {
        Some(config) => Ok(Loaded { config, warnings: issues }),
        None => Err(ConfigErrors(issues)),
    }
}

/// Main file first, then includes in the order read; by line within a file.
fn sort_by_file_order(issues: &mut [ConfigIssue], order: &[&Path]) {
    let rank = |issue: &ConfigIssue| order.iter().position(|p| *p == issue.file).unwrap_or(order.len());
    issues.sort_by_key(|issue| (rank(issue), issue.line));
}

/// The config with no file at all: defaults, no sources, no subscribers, the database in `cwd`.
pub fn builtin(cwd: &Path) -> Config {
    Config {
        path: None,
        storage: model::StorageConfig { database: cwd.join(defaults::DATABASE) },
        fetch: defaults::fetch(),
        sources: Vec::new(),
        topics: Vec::new(),
        smtp: None,
        subscribers: Vec::new(),
        web: None,
    }
}

/// Which file to read: `explicit` (from `--config`, or `REGWATCH_CONFIG` through the CLI's env
/// fallback) even if it is missing, so that a typo is an error and not a silent fallback;
/// else `cwd/regwatch.toml` if it exists; else none (built-in defaults).
pub fn locate(explicit: Option<&Path>, cwd: &Path) -> Option<PathBuf> {
    if let Some(path) = explicit {
        return Some(path.to_path_buf());
    }
    let candidate = cwd.join(DEFAULT_FILE);
    candidate.is_file().then_some(candidate)
}

/// `locate` in the working directory, then `load` what it found, or `builtin` if nothing.
pub fn resolve(explicit: Option<&Path>, builtin_topics: &[String]) -> Result<Loaded, ConfigErrors> {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    match locate(explicit, &cwd) {
        Some(path) => load(&path, builtin_topics),
        None => Ok(Loaded { config: builtin(&cwd), warnings: Vec::new() }),
    }
}

/// The database the config names, and nothing else: for commands that only read the database
/// (`docs`, `diff`, `db backup`). Only the main file's first chunk is parsed (`[storage]` is
/// there), and only errors that stop the path from being known fail it: reading the archive
/// does not wait for a source's config to be fixed, and 50,000 sources are not checked for it.
pub fn resolve_storage(explicit: Option<&Path>) -> Result<model::StorageConfig, ConfigErrors> {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let Some(path) = locate(explicit, &cwd) else { return Ok(builtin(&cwd).storage) };
    let mut issues = Vec::new();
    let storage = file::read_head(path, file::Role::Main, &mut issues)
        .and_then(|main| validate::storage_of(&main, &mut issues).ok());
    issues.retain(ConfigIssue::is_error);
    match storage {
        Some(storage) if issues.is_empty() => Ok(storage),
        _ => Err(ConfigErrors(issues)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `[storage]` and a fetch setting, then `count` sources, the `bad`th of which has no URL.
    fn many_sources(count: usize, bad: usize, database: &str) -> String {
        let mut text = format!("[storage]\ndatabase = \"{database}\"\n[fetch]\nmax_concurrency = 4\n");
        for i in 0..count {
            let url = if i == bad { String::new() } else { format!("url = \"https://example.org/{i}\"\n") };
            text.push_str(&format!("[[source]]\nid = \"s{i}\"\nkind = \"page\"\n{url}"));
        }
        text
    }

    #[test]
    fn the_database_path_is_read_without_checking_every_source() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.toml");
        // Past the first chunk, a broken source: the full load reports it, the storage read
        // never gets that far.
        std::fs::write(&path, many_sources(2 * 1000 + 50, 2 * 1000 + 10, "data/archive.db")).unwrap();
        let storage = resolve_storage(Some(&path)).unwrap();
        assert_eq!(storage.database, std::path::absolute(dir.path().join("data/archive.db")).unwrap());
        let errors = load_with(&path, &|_| None, &[]).unwrap_err().to_string();
        assert!(errors.contains("source[2010]"), "{errors}");
    }

    #[test]
    fn sources_past_the_first_chunk_are_checked_as_read_with_exact_lines() {
        // 2,050 sources: cut in chunks, each source checked as its chunk is read. A duplicate
        // id two chunks after its first use, and a subscriber naming a source whose id is
        // malformed, one with a bad field, and one that does not exist.
        let mut text = many_sources(2 * 1000 + 50, usize::MAX, "x.db");
        text.push_str("[[source]]\nid = \"s5\"\nkind = \"page\"\nurl = \"https://example.org/dup\"\n");
        text.push_str("[[source]]\nid = \"Bad_Id\"\nkind = \"page\"\nurl = \"https://example.org/b\"\n");
        text.push_str("[[source]]\nid = \"odd\"\nkind = \"rss\"\nurl = \"https://example.org/o\"\n");
        // Before the sources: a table after the first cut would keep the file whole.
        let subscriber = "[[subscriber]]\nid = \"ops\"\nwebhook = \"https://hooks.example.org/x\"\ntopics = [\"*\"]\n\
                          sources = [\"s2049\", \"Bad_Id\", \"odd\", \"ghost\"]\n";
        let first_source = text.find("[[source]]").unwrap();
        text.insert_str(first_source, subscriber);
        assert!(file::chunks(&text).len() > 2);
        let line_of = |needle: &str| text.lines().position(|l| l.contains(needle)).unwrap() + 1;
        let expected = [
            format!("{}: subscriber[0].sources[3]: unknown source `ghost`", line_of("ghost")),
            format!(
                "{}: source[2050].id: duplicate source id `s5`; first defined at /etc/r.toml:{}",
                line_of("\"https://example.org/dup\"") - 2,
                line_of("id = \"s5\"")
            ),
            format!("{}: source[2051].id: invalid id `Bad_Id`", line_of("id = \"Bad_Id\"")),
            format!("{}: source[2052].kind: unknown kind `rss`", line_of("\"rss\"")),
        ];
        let path = Path::new("/etc/r.toml");
        let errors = load_from_str(path, text.clone(), &|_| None, &[]).unwrap_err().0;
        let shown: Vec<String> =
            errors.iter().map(|e| format!("{}: {}: {}", e.line.unwrap_or(0), e.key, e.message)).collect();
        assert_eq!(shown.len(), expected.len(), "{shown:#?}");
        for (got, want) in shown.iter().zip(&expected) {
            assert!(got.starts_with(want.as_str()), "{got}\n  does not start with\n{want}");
        }
    }

    #[test]
    fn a_database_path_that_cannot_be_known_is_still_an_error_naming_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(&path, many_sources(3, 99, "")).unwrap();
        let errors = resolve_storage(Some(&path)).unwrap_err().to_string();
        assert!(errors.contains("storage.database") && errors.contains(":2"), "{errors}");
        std::fs::write(&path, "[storage\ndatabase = 1\n").unwrap();
        assert!(resolve_storage(Some(&path)).is_err());
        let missing = dir.path().join("missing.toml");
        let errors = resolve_storage(Some(&missing)).unwrap_err().to_string();
        assert!(errors.contains("cannot read config file"), "{errors}");
    }

    #[test]
    fn explicit_paths_win_even_when_missing() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(DEFAULT_FILE), "").unwrap();
        let explicit = Path::new("/nonexistent/regwatch.toml");
        assert_eq!(locate(Some(explicit), dir.path()), Some(explicit.to_path_buf()));
        assert_eq!(locate(None, dir.path()), Some(dir.path().join(DEFAULT_FILE)));
        let empty = tempfile::tempdir().unwrap();
        assert_eq!(locate(None, empty.path()), None);
    }

    #[test]
    fn builtin_config_keeps_the_database_in_the_working_directory() {
        let config = builtin(Path::new("/srv/regwatch"));
        assert_eq!(config.storage.database, Path::new("/srv/regwatch/regwatch.db"));
        assert!(config.sources.is_empty() && config.subscribers.is_empty());
        assert_eq!(config.fetch.user_agent, defaults::USER_AGENT);
        assert!(config.fetch.user_agent.starts_with("regwatch/0."));
    }
}
