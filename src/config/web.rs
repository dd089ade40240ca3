//! `[web]` → `WebConfig`: where the reading room listens, the public URL links are built from,
//! and HTTP basic auth, which is required as soon as `listen` leaves loopback.
//!
//! Checks form only: whether the address can be bound is found out by `serve` and `run`.

use std::net::SocketAddr;

use toml::Spanned;

use crate::config::EnvLookup;
use crate::config::check::{http_url, non_empty};
use crate::config::defaults;
use crate::config::issue::{Report, Reported};
use crate::config::model::{WebAuth, WebConfig};
use crate::config::raw::RawWeb;
use crate::config::secrets::{self, SecretKeys};

pub(crate) fn web(report: &mut Report<'_>, raw: &Spanned<RawWeb>, env: EnvLookup<'_>) -> Result<WebConfig, Reported> {
    let at = raw.span();
    let raw = raw.get_ref();
    let listen = match &raw.listen {
        None => Ok(defaults::WEB_LISTEN),
        Some(listen) => listen.get_ref().trim().parse::<SocketAddr>().map_err(|_| {
            let message = format!(
                "invalid listen address `{}`: expected IP:PORT, e.g. 127.0.0.1:8080 or [::1]:8080",
                listen.get_ref()
            );
            report.error(Some(listen.span()), "web.listen", message)
        }),
    };
    let public_url =
        raw.public_url.as_ref().map(|url| http_url(report, "web.public_url", url).map(directory)).transpose();
    let username = raw.username.as_ref().map(|u| non_empty(report, "web.username", u)).transpose();
    let keys =
        SecretKeys { table: "web", stem: "password", env: raw.password_env.as_ref(), file: raw.password_file.as_ref() };
    let password = secrets::resolve(report, &keys, env);
    let auth = match (username?, password?) {
        (Some(username), Some(password)) => Ok(Some(WebAuth { username, password })),
        (None, None) => Ok(None),
        (Some(_), None) => Err(report.error(
            raw.username.as_ref().map(Spanned::span),
            "web.username",
            "a username needs a password: set password_env or password_file",
        )),
        (None, Some(_)) => Err(report.error(
            keys.given().map(|(_, span)| span),
            &keys.given().map_or_else(|| "web".to_owned(), |(key, _)| key),
            "a password needs a username: set web.username",
        )),
    };
    let (listen, auth) = (listen?, auth?);
    if !listen.ip().is_loopback() && auth.is_none() {
        let span = raw.listen.as_ref().map_or(at, Spanned::span);
        let message = format!(
            "listening on {listen}, off loopback, needs HTTP basic auth: set username and password_env (or password_file)"
        );
        return Err(report.error(Some(span), "web.listen", message));
    }
    Ok(WebConfig { listen, public_url: public_url?, auth })
}

/// The URL with a path ending in `/`, so that `join("documents/1")` stays below it.
fn directory(mut url: url::Url) -> url::Url {
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    url.set_query(None);
    url.set_fragment(None);
    url
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::issue::ConfigIssue;

    fn check(toml_text: &str, env: &[(&str, &str)]) -> (Result<WebConfig, Reported>, Vec<ConfigIssue>) {
        #[derive(serde::Deserialize)]
        struct File {
            web: Spanned<RawWeb>,
        }
        let file: File = toml::from_str(toml_text).unwrap();
        let env: Vec<(String, String)> = env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        let lookup = move |name: &str| env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        let mut issues = Vec::new();
        let path = std::path::Path::new("/etc/regwatch/regwatch.toml");
        let mut report = Report::new(path, toml_text, &mut issues);
        let result = web(&mut report, &file.web, &lookup);
        (result, issues)
    }

    #[test]
    fn defaults_to_loopback_without_auth() {
        let (web, issues) = check("[web]\n", &[]);
        let web = web.unwrap();
        assert_eq!(web.listen, defaults::WEB_LISTEN);
        assert!(web.auth.is_none() && web.public_url.is_none() && issues.is_empty());
    }

    #[test]
    fn public_url_becomes_a_directory() {
        let (web, _) = check("[web]\npublic_url = \"https://example.org/regwatch\"\n", &[]);
        assert_eq!(web.unwrap().public_url.unwrap().as_str(), "https://example.org/regwatch/");
    }

    #[test]
    fn off_loopback_requires_auth() {
        let (web, issues) = check("[web]\nlisten = \"0.0.0.0:8080\"\n", &[]);
        assert!(web.is_err());
        assert_eq!(issues[0].key, "web.listen");
        assert_eq!(issues[0].line, Some(2));
        assert!(issues[0].message.contains("needs HTTP basic auth"), "{}", issues[0].message);
        let with_auth = "[web]\nlisten = \"0.0.0.0:8080\"\nusername = \"reader\"\npassword_env = \"PW\"\n";
        let (web, issues) = check(with_auth, &[("PW", "s3cret")]);
        assert!(issues.is_empty(), "{issues:?}");
        assert_eq!(web.unwrap().auth.unwrap().username, "reader");
    }

    #[test]
    fn bad_values_are_named() {
        let (web, issues) = check("[web]\nlisten = \"localhost\"\npublic_url = \"ftp://x/\"\nusername = \"u\"\n", &[]);
        assert!(web.is_err());
        let keys: Vec<&str> = issues.iter().map(|i| i.key.as_str()).collect();
        assert_eq!(keys, ["web.listen", "web.public_url", "web.username"]);
        assert!(issues[2].message.contains("needs a password"));
    }
}
