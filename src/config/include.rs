//! `include = ["topics.toml", "sources/*.toml"]`: patterns globbed relative to the main file,
//! matches read in sorted order so that the same folder always loads the same way.
//!
//! Only the main file may include; what an included file may hold is checked in `file`.

use std::path::{Path, PathBuf};

use glob::MatchOptions;
use toml::Spanned;

use crate::config::file::{ParsedFile, Role, SourceSink, read};
use crate::config::issue::{ConfigIssue, Report, folder_of};

/// Reads every file the main file includes, each once, in pattern order then name order,
/// handing their sources to `sources`.
pub(crate) fn read_includes(
    main: &ParsedFile,
    issues: &mut Vec<ConfigIssue>,
    sources: SourceSink<'_>,
) -> Vec<ParsedFile> {
    let paths = {
        let mut report = Report::new(&main.path, &main.text, issues);
        expand(&main.path, &main.tables.include, &mut report)
    };
    paths.into_iter().filter_map(|path| read(path, Role::Include, issues, &mut *sources)).collect()
}

fn expand(main: &Path, patterns: &[Spanned<String>], report: &mut Report<'_>) -> Vec<PathBuf> {
    let base = folder_of(main);
    let main_identity = identity(main);
    let mut chosen: Vec<(PathBuf, PathBuf)> = Vec::new();
    for (i, pattern) in patterns.iter().enumerate() {
        let key = format!("include[{i}]");
        let text = pattern.get_ref();
        let span = || Some(pattern.span());
        let found = match matches_of(base, text) {
            Ok(found) => found,
            Err(message) => {
                report.error(span(), &key, message);
                continue;
            }
        };
        if found.is_empty() {
            let target = join_base(base, text);
            if is_glob(text) {
                report.warn(span(), &key, format!("include pattern `{text}` matches no file"));
            } else if Path::new(&target).is_dir() {
                report.error(span(), &key, format!("included path `{text}` is a folder; write `{text}/*.toml`"));
            } else {
                report.error(span(), &key, format!("included file `{text}` not found (looked for {target})"));
            }
        }
        for path in found {
            let id = identity(&path);
            if id == main_identity {
                report.warn(span(), &key, format!("`{text}` matches the main config file itself; skipped"));
            } else if chosen.iter().any(|(_, seen)| *seen == id) {
                report.warn(span(), &key, format!("{} is included more than once; read once", path.display()));
            } else {
                chosen.push((path, id));
            }
        }
    }
    chosen.into_iter().map(|(path, _)| path).collect()
}

/// The files `pattern` names, relative to `base`, sorted. Folders are skipped.
fn matches_of(base: &Path, pattern: &str) -> Result<Vec<PathBuf>, String> {
    if pattern.trim().is_empty() {
        return Err("empty include pattern".to_owned());
    }
    let full = if Path::new(pattern).is_absolute() || base == Path::new(".") {
        pattern.to_owned()
    } else {
        let base = base.to_str().ok_or_else(|| format!("cannot glob under {}: not valid UTF-8", base.display()))?;
        // The folder is taken literally: a `[` in its name is not a character class.
        format!("{}/{pattern}", glob::Pattern::escape(base))
    };
    let options =
        MatchOptions { case_sensitive: true, require_literal_separator: true, require_literal_leading_dot: true };
    let entries =
        glob::glob_with(&full, options).map_err(|e| format!("invalid include pattern `{pattern}`: {}", e.msg))?;
    let mut found = Vec::new();
    for entry in entries {
        match entry {
            Ok(path) if path.is_file() => found.push(path),
            Ok(_) => {}
            Err(e) => return Err(format!("cannot read {}: {}", e.path().display(), e.error())),
        }
    }
    found.sort();
    Ok(found)
}

fn join_base(base: &Path, pattern: &str) -> String {
    if Path::new(pattern).is_absolute() || base == Path::new(".") {
        pattern.to_owned()
    } else {
        base.join(pattern).display().to_string()
    }
}

fn is_glob(pattern: &str) -> bool {
    pattern.contains(['*', '?', '['])
}

/// What makes two spellings of a path the same file.
fn identity(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn touch(dir: &Path, name: &str) {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).unwrap();
        }
        fs::write(path, "").unwrap();
    }

    #[test]
    fn globs_resolve_next_to_the_main_file_and_sort() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["sources/b.toml", "sources/a.toml", "sources/notes.txt", "topics.toml"] {
            touch(dir.path(), name);
        }
        fs::create_dir(dir.path().join("sources/sub.toml")).unwrap();
        let found = matches_of(dir.path(), "sources/*.toml").unwrap();
        let names: Vec<_> = found.iter().map(|p| p.strip_prefix(dir.path()).unwrap()).collect();
        assert_eq!(names, [Path::new("sources/a.toml"), Path::new("sources/b.toml")]);
        assert_eq!(matches_of(dir.path(), "missing.toml").unwrap(), Vec::<PathBuf>::new());
    }

    #[test]
    fn a_folder_with_glob_characters_is_taken_literally() {
        let dir = tempfile::tempdir().unwrap();
        let odd = dir.path().join("conf[1]");
        touch(&odd, "topics.toml");
        let found = matches_of(&odd, "*.toml").unwrap();
        assert_eq!(found, [odd.join("topics.toml")]);
    }

    #[test]
    fn bad_patterns_are_refused() {
        let err = matches_of(Path::new("."), "sources/[.toml").unwrap_err();
        assert!(err.starts_with("invalid include pattern `sources/[.toml`"), "{err}");
        assert_eq!(matches_of(Path::new("."), " ").unwrap_err(), "empty include pattern");
    }
}
