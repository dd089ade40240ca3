//! Config problems as values: `ConfigIssue` (file, 1-based line, dotted key, message) and the
//! `Report` that every parsing and validation step writes them to.
//!
//! Not the place that decides what is wrong; only how a problem is located and printed.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    /// Accepted, but probably not what was meant (an interval under a minute, an ignored key).
    Warning,
}

/// One problem in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigIssue {
    pub file: PathBuf,
    /// 1-based, counted in the file as written.
    pub line: Option<usize>,
    /// Dotted path with 0-based positions within this file: `source[2].list.item`,
    /// `subscriber[0].topics[1]`. Empty when the problem is the file itself.
    pub key: String,
    pub message: String,
    pub severity: Severity,
}

impl ConfigIssue {
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// `file:line: key: message`, with `warning: ` before the key for warnings.
impl fmt::Display for ConfigIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        f.write_str(": ")?;
        if self.severity == Severity::Warning {
            f.write_str("warning: ")?;
        }
        if !self.key.is_empty() {
            write!(f, "{}: ", self.key)?;
        }
        f.write_str(&self.message)
    }
}

/// A config that cannot be used: every problem found, errors and warnings, in file order.
/// Holds at least one error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigErrors(pub Vec<ConfigIssue>);

impl ConfigErrors {
    pub fn errors(&self) -> impl Iterator<Item = &ConfigIssue> {
        self.0.iter().filter(|issue| issue.is_error())
    }
}

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, issue) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{issue}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

/// Marks that a problem was recorded in the `Report`; the value it stood for is unusable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Reported;

/// Where one file's issues go, turning byte spans into lines.
pub(crate) struct Report<'a> {
    file: &'a Path,
    text: &'a str,
    issues: &'a mut Vec<ConfigIssue>,
    /// Where each line starts, computed once on first use: a config of 50,000 sources asks for
    /// a line per source, and counting newlines from the top each time made loading quadratic.
    lines: std::cell::OnceCell<LineIndex<'a>>,
    /// Where in the file the spans being reported count from: a large file is parsed in chunks
    /// (`file::chunks`), and a chunk's spans start at its own first byte.
    base: usize,
}

impl<'a> Report<'a> {
    pub(crate) fn new(file: &'a Path, text: &'a str, issues: &'a mut Vec<ConfigIssue>) -> Self {
        Self { file, text, issues, lines: std::cell::OnceCell::new(), base: 0 }
    }

    /// Spans reported from now on count from byte `base` of the file.
    pub(crate) fn set_base(&mut self, base: usize) {
        self.base = base;
    }

    fn line(&self, offset: usize) -> usize {
        self.lines.get_or_init(|| LineIndex::new(self.text)).line_at(self.base + offset)
    }

    pub(crate) fn file(&self) -> &Path {
        self.file
    }

    /// The folder that relative paths in this file are resolved against.
    pub(crate) fn dir(&self) -> &Path {
        folder_of(self.file)
    }

    /// 1-based line of the location `span`, as written in this file.
    pub(crate) fn line_of(&self, span: &Range<usize>) -> usize {
        self.line(span.start)
    }

    pub(crate) fn error(&mut self, span: Option<Range<usize>>, key: &str, message: impl Into<String>) -> Reported {
        self.push(span, key, message.into(), Severity::Error);
        Reported
    }

    pub(crate) fn warn(&mut self, span: Option<Range<usize>>, key: &str, message: impl Into<String>) {
        self.push(span, key, message.into(), Severity::Warning);
    }

    /// Runs `check` with the errors it finds recorded as warnings, each ending in `why`: for
    /// what is not needed yet (the secrets of a disabled source).
    pub(crate) fn leniently<T>(&mut self, why: &str, check: impl FnOnce(&mut Report<'_>) -> T) -> T {
        let mut found = Vec::new();
        let result = check(&mut Report::new(self.file, self.text, &mut found));
        for mut issue in found {
            if issue.severity == Severity::Error {
                issue.severity = Severity::Warning;
                issue.message.push_str(why);
            }
            self.issues.push(issue);
        }
        result
    }

    fn push(&mut self, span: Option<Range<usize>>, key: &str, message: String, severity: Severity) {
        let line = span.map(|span| self.line(span.start));
        self.issues.push(ConfigIssue { file: self.file.to_path_buf(), line, key: key.to_owned(), message, severity });
    }
}

/// The folder holding `file` (`.` for a bare file name).
pub(crate) fn folder_of(file: &Path) -> &Path {
    match file.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

/// Turns byte offsets of a text into line numbers in O(log lines + STRIDE lines).
///
/// It keeps every `STRIDE`-th newline, not every one, and counts the few newlines between the
/// nearest kept one and the offset: a 50,000-source config has half a million lines, and an
/// offset per line was 4 MB of the loading peak.
#[derive(Debug, Clone)]
pub(crate) struct LineIndex<'a> {
    text: &'a str,
    /// Offsets of newlines number STRIDE, 2·STRIDE, … (1-based), in order.
    marks: Vec<usize>,
    /// The last line that holds anything (trailing empty lines do not count).
    last: usize,
}

const STRIDE: usize = 64;

impl<'a> LineIndex<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        let marks = text.match_indices('\n').skip(STRIDE - 1).step_by(STRIDE).map(|(i, _)| i).collect();
        let last = text.trim_end_matches('\n').matches('\n').count() + 1;
        Self { text, marks, last }
    }

    /// 1-based line holding byte `offset`; an offset past the end is on the last line.
    #[expect(clippy::naive_bytecount, reason = "at most STRIDE lines, which the compiler vectorises")]
    pub(crate) fn line_at(&self, offset: usize) -> usize {
        // Newlines strictly before `offset`: the line's number minus one.
        let kept = self.marks.partition_point(|&n| n < offset);
        let from = kept.checked_sub(1).and_then(|k| self.marks.get(k)).map_or(0, |&n| n + 1);
        let between = self.text.as_bytes().get(from..offset.min(self.text.len())).unwrap_or_default();
        let before = kept * STRIDE + between.iter().filter(|&&b| b == b'\n').count();
        (before + 1).min(self.last)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("a = 1\nb = 2\n", 0, 1)]
    #[case("a = 1\nb = 2\n", 5, 1)]
    #[case("a = 1\nb = 2\n", 6, 2)]
    #[case("a = 1\nb = 2\n", 12, 2)]
    #[case("a = 1\nb = 2\n", 500, 2)]
    #[case("\n\nc = 3", 2, 3)]
    #[case("", 0, 1)]
    #[case("a = \"浏览\"\nb = 1\n", 7, 1)]
    fn lines_are_one_based(#[case] text: &str, #[case] offset: usize, #[case] line: usize) {
        assert_eq!(LineIndex::new(text).line_at(offset), line);
    }

    proptest::proptest! {
        /// The sparse index agrees with counting newlines from the top, across many strides.
        #[test]
        fn lines_agree_with_counting_from_the_top(
            lines in proptest::collection::vec("[a-z=\"浏 ]{0,6}", 0..400),
            trailing in 0usize..3,
            offsets in proptest::collection::vec(0usize..4000, 1..40),
        ) {
            let text = lines.join("\n") + &"\n".repeat(trailing);
            let index = LineIndex::new(&text);
            let last = text.trim_end_matches('\n').matches('\n').count() + 1;
            for offset in offsets {
                let counted = text.as_bytes().iter().take(offset).filter(|&&b| b == b'\n').count() + 1;
                proptest::prop_assert_eq!(index.line_at(offset), counted.min(last), "offset {}", offset);
            }
        }
    }

    fn issue(line: Option<usize>, key: &str, severity: Severity) -> ConfigIssue {
        ConfigIssue {
            file: PathBuf::from("config/regwatch.toml"),
            line,
            key: key.to_owned(),
            message: "bad".to_owned(),
            severity,
        }
    }

    #[test]
    fn issues_print_as_file_line_key_message() {
        let errors = ConfigErrors(vec![
            issue(Some(3), "source[0].interval", Severity::Error),
            issue(None, "", Severity::Error),
            issue(Some(9), "fetch.timeout", Severity::Warning),
        ]);
        assert_eq!(
            errors.to_string(),
            "config/regwatch.toml:3: source[0].interval: bad\n\
             config/regwatch.toml: bad\n\
             config/regwatch.toml:9: warning: fetch.timeout: bad"
        );
        assert_eq!(errors.errors().count(), 2);
    }

    #[test]
    fn relative_paths_resolve_next_to_a_bare_file_name() {
        assert_eq!(folder_of(Path::new("regwatch.toml")), Path::new("."));
        assert_eq!(folder_of(Path::new("etc/regwatch.toml")), Path::new("etc"));
    }
}
