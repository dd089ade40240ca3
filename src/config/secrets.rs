//! Secrets named by `*_env` (an environment variable) or `*_file` (a file, e.g. a systemd
//! credential), read once at load into `SecretString`.
//!
//! Never inline in the config (the raw layer refuses `password =` and `secret =` with their own
//! message), never in a message: errors name the variable or file, not what it holds. A secret
//! file is looked at before it is opened: a FIFO or a device is refused (reading one would hang
//! or never end), and one that every user may read earns a warning.
use std::fs::File;
use std::io::Read;
use std::ops::Range;
use std::path::Path;

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

pub(crate) fn from_env(
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

pub(crate) fn from_file(
    report: &mut Report<'_>,
    key: &str,
    name: &str,
    span: Range<usize>,
) -> Result<SecretString, Reported> {
    let path = report.dir().join(name);
    let shown = path.display();
    let mut text = String::new();
    let read = open_secret(&path).and_then(|(file, world)| {
        if let Some(mode) = world {
            let message = format!(
                "secret file {shown} can be read by every user (mode {mode:04o}); restrict it (chmod o-rwx, e.g. 0640 root:regwatch)"
            );
            report.warn(Some(span.clone()), key, message);
        }
        file.take(MAX_SECRET_FILE + 1).read_to_string(&mut text).map_err(|error| format!("cannot read secret file {shown}: {error}"))
    });
    match read {
        Err(message) => Err(report.error(Some(span), key, message)),
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

/// Opens a secret file if it is a regular file, with its mode when every user may access it.
/// Looks before opening (a FIFO would block the open) and checks again on the open file (it
/// may have been swapped in between), which is opened non-blocking for the same reason.
fn open_secret(path: &Path) -> Result<(File, Option<u32>), String> {
    let shown = path.display();
    let cannot = |error: std::io::Error| format!("cannot read secret file {shown}: {error}");
    let metadata = std::fs::metadata(path).map_err(cannot)?;
    refuse_special(path, &metadata)?;
    let file = open_nonblocking(path).map_err(cannot)?;
    let metadata = file.metadata().map_err(cannot)?;
    refuse_special(path, &metadata)?;
    Ok((file, world_accessible(&metadata)))
}

fn refuse_special(path: &Path, metadata: &std::fs::Metadata) -> Result<(), String> {
    if metadata.is_file() {
        return Ok(());
    }
    Err(format!("secret file {} is {}, not a regular file", path.display(), special_kind(metadata)))
}

#[cfg(unix)]
fn special_kind(metadata: &std::fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let kind = metadata.file_type();
    if kind.is_dir() {
        "a directory"
    } else if kind.is_fifo() {
        "a FIFO"
    } else if kind.is_socket() {
        "a socket"
    } else if kind.is_char_device() {
        "a character device"
    } else if kind.is_block_device() {
        "a block device"
    } else {
        "something else"
    }
}

#[cfg(not(unix))]
fn special_kind(metadata: &std::fs::Metadata) -> &'static str {
    if metadata.is_dir() { "a directory" } else { "something else" }
}

#[cfg(unix)]
fn open_nonblocking(path: &Path) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY).open(path)
}

#[cfg(not(unix))]
fn open_nonblocking(path: &Path) -> std::io::Result<File> {
    File::open(path)
}

/// The permission bits when "other" users have any access; a secret's group is its business.
#[cfg(unix)]
fn world_accessible(metadata: &std::fs::Metadata) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    let mode = metadata.permissions().mode() & 0o7777;
    (mode & 0o007 != 0).then_some(mode)
}

#[cfg(not(unix))]
fn world_accessible(_: &std::fs::Metadata) -> Option<u32> {
    None
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

    /// A file only its owner may read, as secret files should be.
    fn private(path: &Path, contents: impl AsRef<[u8]>) {
        std::fs::write(path, contents).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
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
        private(&dir.path().join("smtp-password"), "s3cret\r\n");
        assert_eq!(run(dir.path(), Some("SMTP_PASSWORD"), None).0, Ok(Some("hunter2".into())));
        assert_eq!(run(dir.path(), None, Some("smtp-password")).0, Ok(Some("s3cret".into())));
        assert_eq!(run(dir.path(), None, None).0, Ok(None));
    }

    #[test]
    fn missing_secrets_are_named() {
        let dir = tempfile::tempdir().unwrap();
        private(&dir.path().join("empty"), "\n");
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

    #[cfg(unix)]
    #[test]
    fn fifos_and_devices_are_refused_without_opening_them() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
        assert!(made.success());
        // Reading the FIFO would block this test forever; the refusal must come first.
        let (result, issues) = run(dir.path(), None, Some("fifo"));
        assert_eq!(result, Err(Reported));
        assert!(issues[0].message.ends_with("is a FIFO, not a regular file"), "{}", issues[0].message);
        let (_, issues) = run(dir.path(), None, Some("/dev/null"));
        assert!(issues[0].message.ends_with("is a character device, not a regular file"), "{}", issues[0].message);
        let (_, issues) = run(dir.path(), None, Some("."));
        assert!(issues[0].message.ends_with("is a directory, not a regular file"), "{}", issues[0].message);
    }

    #[cfg(unix)]
    #[test]
    fn world_readable_secret_files_are_warned_about() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret");
        std::fs::write(&path, "s3cret\n").unwrap();
        for (mode, warned) in [(0o644, true), (0o604, true), (0o640, false), (0o600, false), (0o400, false)] {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
            let (result, issues) = run(dir.path(), None, Some("secret"));
            assert_eq!(result, Ok(Some("s3cret".into())), "{mode:o}");
            assert_eq!(issues.len(), usize::from(warned), "{mode:o}: {issues:?}");
            if warned {
                assert_eq!(issues[0].severity, crate::config::Severity::Warning);
                assert!(issues[0].message.contains(&format!("mode 0{mode:o}")), "{}", issues[0].message);
                assert!(!issues[0].message.contains("s3cret"));
            }
        }
    }

    #[test]
    fn oversized_secret_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        private(&dir.path().join("big"), vec![b'x'; 70_000]);
        let (result, issues) = run(dir.path(), None, Some("big"));
        assert_eq!(result, Err(Reported));
        assert!(issues[0].message.contains("larger than 64 KiB"));
    }
}
