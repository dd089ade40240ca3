//! The unknown-key pass: every key of a file checked against the raw structs' field lists (and
//! against what an included file may hold) before serde runs, so that all unknown keys are
//! reported at once, each at its own line, with a "did you mean" where one is close.
//!
//! Types and values are not looked at here; serde and `validate` do that.

use toml::de::{DeTable, DeValue};

use crate::config::issue::Report;
use crate::config::raw::schema;

/// Top-level keys an included file may hold.
const INCLUDE_KEYS: [&str; 3] = ["source", "topic", "subscriber"];

/// Reports and removes every key that no raw struct accepts (or that this file's role does not
/// allow), so serde only sees known keys and the problems behind them are not hidden.
/// Whether the file is the one named on the command line or one of its includes: an include
/// may hold only some of the keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Main,
    Include,
}

/// `before` counts the elements of top-level arrays that came before this table (a file read in
/// chunks): `source[i]` in messages counts from the top of the file.
pub(crate) fn strip_unknown(
    table: &mut DeTable<'_>,
    path: &str,
    prefix: &str,
    role: Role,
    report: &mut Report<'_>,
    before: &ArrayBases,
) {
    let schema = schema();
    let known = schema.iter().find(|(p, _)| *p == path).map_or(&[][..], |e| e.1);
    let mut refused = Vec::new();
    for (key, value) in table.iter_mut() {
        let name: &str = key.get_ref();
        let problem = match (role, path) {
            (Role::Include, "") if !INCLUDE_KEYS.contains(&name) => Some(include_refusal(name)),
            _ if !known.contains(&name) => Some(unknown_key_message(path, name, known)),
            _ => None,
        };
        if let Some(message) = problem {
            report.error(Some(key.span()), &join(prefix, name), message);
            refused.push(name.to_owned());
            continue;
        }
        // Only tables and arrays hold keys to check. Most keys are neither, and their paths were
        // built for nothing: a sixth of loading a 1,000-source config.
        if !matches!(value.get_ref(), DeValue::Table(_) | DeValue::Array(_)) {
            continue;
        }
        let child = join(path, name);
        if !schema.iter().any(|(p, _)| *p == child) {
            continue;
        }
        let here = join(prefix, name);
        match value.get_mut() {
            DeValue::Table(inner) => strip_unknown(inner, &child, &here, role, report, &ArrayBases::default()),
            DeValue::Array(items) => {
                let first = if path.is_empty() { before.of(name) } else { 0 };
                for (i, item) in items.iter_mut().enumerate() {
                    if let DeValue::Table(inner) = item.get_mut() {
                        let at = format!("{here}[{}]", first + i);
                        strip_unknown(inner, &child, &at, role, report, &ArrayBases::default());
                    }
                }
            }
            _ => {}
        }
    }
    for name in refused {
        table.remove(name.as_str());
    }
}

fn include_refusal(name: &str) -> String {
    match name {
        "include" => {
            "`include` is only allowed in the main config file; included files cannot include others".to_owned()
        }
        "storage" | "fetch" | "smtp" | "web" => format!(
            "`[{name}]` is only allowed in the main config file; included files may hold [[source]], [[topic]] and [[subscriber]]"
        ),
        other => format!("unknown key `{other}`; included files may hold [[source]], [[topic]] and [[subscriber]]"),
    }
}

fn unknown_key_message(path: &str, name: &str, known: &[&str]) -> String {
    match (path, name) {
        ("smtp" | "source.auth", "password") => {
            "secrets are not accepted inline; use password_env or password_file".to_owned()
        }
        ("subscriber", "secret") => "secrets are not accepted inline; use secret_env or secret_file".to_owned(),
        _ => match known
            .iter()
            .map(|k| (edit_distance(k, name), k))
            .filter(|(distance, _)| *distance <= 2 && *distance < name.chars().count())
            .min_by_key(|(distance, _)| *distance)
            .map(|(_, k)| k)
        {
            Some(near) => format!("unknown key `{name}`; did you mean `{near}`?"),
            None => format!("unknown key `{name}`; expected one of: {}", known.join(", ")),
        },
    }
}

pub(crate) fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() { name.to_owned() } else { format!("{prefix}.{name}") }
}

/// Levenshtein distance, for "did you mean" on short key names (strsim: already in the tree
/// through clap's suggestions).
fn edit_distance(a: &str, b: &str) -> usize {
    strsim::levenshtein(a, b)
}

/// How many elements of each array of tables earlier chunks of the file held: an element's
/// position (and `source[1234]` in messages) counts from the top of the file.
#[derive(Debug, Default)]
pub(crate) struct ArrayBases {
    counts: std::collections::HashMap<String, usize>,
}

impl ArrayBases {
    pub(crate) fn of(&self, key: &str) -> usize {
        self.counts.get(key).copied().unwrap_or(0)
    }

    /// Counts `n` more elements of the array `key`, read from one chunk.
    pub(crate) fn add(&mut self, key: String, n: usize) {
        *self.counts.entry(key).or_default() += n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("intervall", "interval", 1)]
    #[case("itme", "item", 2)]
    #[case("", "id", 2)]
    #[case("kitten", "sitting", 3)]
    fn edit_distances(#[case] a: &str, #[case] b: &str, #[case] distance: usize) {
        assert_eq!(edit_distance(a, b), distance);
    }
}
