//! Secrets named by `*_env` (an environment variable) or `*_file` (a file, e.g. a systemd
//! credential), read once at load into `SecretString`.
//!
//! Never inline in the config (the raw layer refuses `password =` and `secret =` with their own
//! message), never in a message: errors name the variable or file, not what it holds.

use std::io::Read;
use std::ops::Range;

use secrecy::SecretString;
use toml::Spanned;

use crate::config::EnvLookup;
use crate::config::issue::{Report, Reported};

/// Secrets are short; a bigger file is the wrong file, and not worth reading whole.
const MAX_SECRET_FILE: u64 = 64 * 1024;

/// The `{stem}_env` / `{stem}_file` pair of one table (`password_env`, `secret_file` …).
pub(crate) struct SecretKeys<'a> {
    /// `smtp` or `subscriber[1]`.
    pub(crate) table: &'a str,
    /// `password` or `secret`.
    pub(crate) stem: &'a str,
    pub(crate) env: Option<&'a Spanned<String>>,
    pub(crate) file: Option<&'a Spanned<String>>,
}

impl SecretKeys<'_> {
    /// The dotted key and span of the first of the pair that is set.
    pub(crate) fn given(&self) -> Option<(String, Range<usize>)> {
        let (suffix, value) = match (self.env, self.file) {
            (Some(env), _) => ("env", env),
            (None, Some(file)) => ("file", file),
            (None, None) => return None,
        };
        Some((format!("{}.{}_{suffix}", self.table, self.stem), value.span()))
    }
}

/// The secret, `None` when neither key is set, or `Reported` when it cannot be had.
pub(crate) fn resolve(
    report: &mut Report<'_>,
    keys: &SecretKeys<'_>,
    env: EnvLookup<'_>,
) -> Result<Option<SecretString>, Reported> {
    let stem = keys.stem;
    match (keys.env, keys.file) {
        (None, None) => Ok(None),
        (Some(_), Some(file)) => Err(report.error(
            Some(file.span()),
            &format!("{}.{stem}_file", keys.table),
            format!("set only one of {stem}_env and {stem}_file"),
        )),
        (Some(name), None) => {
            let key = format!("{}.{stem}_env", keys.table);
            from_env(report, &key, name.get_ref(), name.span(), env).map(Some)
        }
        (None, Some(path)) => {
            let key = format!("{}.{stem}_file", keys.table);
            from_file(report, &key, path.get_ref(), path.span()).map(Some)
        }
    }
}

fn from_env(
    report: &mut Report<'_>,
    key: &str,
    name: &str,
    span: Range<usize>,
    env: EnvLookup<'_>,
) -> Result<SecretString, Reported> {
    if name.is_empty() || name.contains(['=', '\0']) {
        return Err(report.error(Some(span), key, format!("invalid environment variable name `{name}`")));
    }
    match env(name) {
        None => Err(report.error(Some(span), key, format!("environment variable `{name}` is not set"))),
        Some(value) if value.is_empty() => {
            Err(report.error(Some(span), key, format!("environment variable `{name}` is empty")))
        }
        Some(value) => Ok(SecretString::from(value)),
    }
}

fn from_file(report: &mut Report<'_>, key: &str, name: &str, span: Range<usize>) -> Result<SecretString, Reported> {
    let path = report.dir().join(name);
    let mut text = String::new();
    let read = std::fs::File::open(&path).and_then(|file| file.take(MAX_SECRET_FILE + 1).read_to_string(&mut text));
    let shown = path.display();
    match read {
        Err(error) => Err(report.error(Some(span), key, format!("cannot read secret file {shown}: {error}"))),
        Ok(n) if n as u64 > MAX_SECRET_FILE => Err(report.error(
            Some(span),
            key,
            format!("secret file {shown} is larger than 64 KiB; is it the right file?"),
        )),
        Ok(_) => {
            // Editors and `echo` add a final newline that is not part of the secret.
            let secret = text.strip_suffix('\n').unwrap_or(&text);
            let secret = secret.strip_suffix('\r').unwrap_or(secret);
            if secret.is_empty() {
                Err(report.error(Some(span), key, format!("secret file {shown} is empty")))
            } else {
                Ok(SecretString::from(secret.to_owned()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::issue::ConfigIssue;
    use secrecy::ExposeSecret;
    use std::path::Path;

    fn lookup(name: &str) -> Option<String> {
        match name {
            "SMTP_PASSWORD" => Some("hunter2".to_owned()),
            "EMPTY" => Some(String::new()),
            _ => None,
        }
    }

    fn run(
        dir: &Path,
        env_name: Option<&str>,
        file: Option<&str>,
    ) -> (Result<Option<String>, Reported>, Vec<ConfigIssue>) {
        let main = dir.join("regwatch.toml");
        let spanned = |s: &str| Spanned::new(0..1, s.to_owned());
        let env_value = env_name.map(spanned);
        let file_value = file.map(spanned);
        let keys = SecretKeys { table: "smtp", stem: "password", env: env_value.as_ref(), file: file_value.as_ref() };
        let mut issues = Vec::new();
        let mut report = Report::new(&main, "password_env = 1\n", &mut issues);
        let result = resolve(&mut report, &keys, &lookup).map(|s| s.map(|s| s.expose_secret().to_owned()));
        (result, issues)
    }

    #[test]
    fn env_and_file_secrets_are_read() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("smtp-password"), "s3cret\r\n").unwrap();
        assert_eq!(run(dir.path(), Some("SMTP_PASSWORD"), None).0, Ok(Some("hunter2".into())));
        assert_eq!(run(dir.path(), None, Some("smtp-password")).0, Ok(Some("s3cret".into())));
        assert_eq!(run(dir.path(), None, None).0, Ok(None));
    }

    #[test]
    fn missing_secrets_are_named() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("empty"), "\n").unwrap();
        let cases = [
            (Some("UNSET"), None, "environment variable `UNSET` is not set"),
            (Some("EMPTY"), None, "environment variable `EMPTY` is empty"),
            (Some("A=B"), None, "invalid environment variable name `A=B`"),
            (Some("SMTP_PASSWORD"), Some("f"), "set only one of password_env and password_file"),
        ];
        for (env_name, file, message) in cases {
            let (result, issues) = run(dir.path(), env_name, file);
            assert_eq!(result, Err(Reported));
            assert_eq!(issues[0].message, message);
            assert_eq!(issues[0].line, Some(1));
        }
        let (_, issues) = run(dir.path(), None, Some("empty"));
        assert!(issues[0].message.ends_with("is empty"), "{}", issues[0].message);
        assert_eq!(issues[0].key, "smtp.password_file");
        let (_, issues) = run(dir.path(), None, Some("nope"));
        assert!(issues[0].message.starts_with("cannot read secret file"), "{}", issues[0].message);
        assert!(issues[0].message.contains("nope"));
    }

    #[test]
    fn oversized_secret_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("big"), vec![b'x'; 70_000]).unwrap();
        let (result, issues) = run(dir.path(), None, Some("big"));
        assert_eq!(result, Err(Reported));
        assert!(issues[0].message.contains("larger than 64 KiB"));
    }
}
