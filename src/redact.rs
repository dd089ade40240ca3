//! Credentials out of what regwatch shows: a URL's userinfo (`user:pass@`) and the values of
//! query and fragment parameters whose names look like credentials (`api_key`, `token`,
//! `X-Amz-Signature`, `sign` …) become `***` wherever a URL is displayed: log fields, error
//! messages, `last_error`, listings.
//!
//! Works on text, so it also cleans URLs that third-party error messages embed ("error sending
//! request for url (http://…)"). Not here: secrets read from the config (`config::secrets`
//! keeps those in `SecretString`), request headers, or anything that is sent over the wire:
//! the URL itself is never changed, only how it is shown.

use std::borrow::Cow;
use std::fmt;

use url::Url;

/// What a hidden value is shown as.
pub const MASK: &str = "***";

/// Whole words of a parameter name that mark a credential.
const WORDS: [&str; 27] = [
    "key",
    "apikey",
    "token",
    "secret",
    "password",
    "passwd",
    "passphrase",
    "pwd",
    "pass",
    "pw",
    "sig",
    "sign",
    "signature",
    "auth",
    "authorization",
    "session",
    "sessionid",
    "sessid",
    "sid",
    "credential",
    "credentials",
    "jwt",
    "bearer",
    "otp",
    "hmac",
    // Baidu-style access and secret keys (`ak=`, `sk=`).
    "ak",
    "sk",
];

/// Endings that mark a credential inside one word written without separators (`appkey`,
/// `accesstoken`, `clientsecret`, `jsessionid`). `keyword` ends in none of them.
const ENDINGS: [&str; 9] = ["key", "token", "secret", "password", "passwd", "pwd", "signature", "sessionid", "sessid"];

/// `url` as it may be shown: userinfo and credential-like parameter values masked.
#[must_use]
pub fn url(url: &Url) -> String {
    one_url(url.as_str()).into_owned()
}

/// `url` masked as [`url`] does, as a URL again: what is stored where a configured URL names a
/// record (a page source's document, the source row), so that its credentials stay in the
/// config. The same URL always gives the same masked URL.
#[must_use]
pub fn masked(url: &Url) -> Url {
    match one_url(url.as_str()) {
        Cow::Borrowed(_) => url.clone(),
        Cow::Owned(shown) => Url::parse(&shown).unwrap_or_else(|_| {
            let mut bare = url.clone();
            bare.set_query(None);
            let _ = bare.set_username("");
            let _ = bare.set_password(None);
            bare
        }),
    }
}

/// Displays a URL with its credentials masked: `warn!(url = %Redacted(&u), …)`.
#[derive(Debug, Clone, Copy)]
pub struct Redacted<'a>(pub &'a Url);

impl fmt::Display for Redacted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&one_url(self.0.as_str()))
    }
}

/// `text` with every URL in it redacted as [`url`] does, and the query of any path-like word
/// (`/login?token=…`) too. Borrowed when nothing needed hiding.
#[must_use]
pub fn text(text: &str) -> Cow<'_, str> {
    if !text.contains("://") && !text.contains('?') && !text.contains('@') {
        return Cow::Borrowed(text);
    }
    let mut out = String::new();
    let mut copied = 0;
    for (start, end) in words(text) {
        let word = &text[start..end];
        let redacted = match word.find("://") {
            Some(at) => {
                let scheme_start = scheme_start(word, at);
                match one_url(&word[scheme_start..]) {
                    Cow::Borrowed(_) => continue,
                    Cow::Owned(clean) => format!("{}{clean}", &word[..scheme_start]),
                }
            }
            None if word.contains('?') => match query_in_word(word) {
                Cow::Borrowed(_) => continue,
                Cow::Owned(clean) => clean,
            },
            None => continue,
        };
        out.push_str(&text[copied..start]);
        out.push_str(&redacted);
        copied = end;
    }
    if copied == 0 {
        return Cow::Borrowed(text);
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

/// Whether a query parameter (or header) named `name` carries a credential: one of its words
/// (split at punctuation and camelCase) is a credential word, or ends like one.
#[must_use]
pub fn is_credential_name(name: &str) -> bool {
    split_words(name).iter().any(|word| {
        WORDS.contains(&word.as_str()) || ENDINGS.iter().any(|end| word.len() > end.len() && word.ends_with(end))
    })
}

/// Lower-cased words of a name: `X-Amz-Signature` → x, amz, signature; `apiKey` → api, key.
fn split_words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if !c.is_alphanumeric() {
            words.push(std::mem::take(&mut current));
            previous_lower = false;
            continue;
        }
        if c.is_uppercase() && previous_lower {
            words.push(std::mem::take(&mut current));
        }
        previous_lower = c.is_lowercase() || c.is_ascii_digit();
        current.extend(c.to_lowercase());
    }
    words.push(current);
    words.retain(|w| !w.is_empty());
    words
}

/// Spans of `text` between separators a URL never contains unescaped.
fn words(text: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        let separator = c.is_whitespace() || c.is_control() || matches!(c, '"' | '\'' | '<' | '>' | '`');
        match (separator, start) {
            (true, Some(s)) => {
                spans.push(trim_closing(text, s, i));
                start = None;
            }
            // An opening bracket before a URL is not part of it: "(http://…)".
            (false, None) if !matches!(c, '(' | '[' | '{') => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        spans.push(trim_closing(text, s, text.len()));
    }
    spans
}

/// Leaves out a closing bracket or full stop that ends a word but not a URL: "(http://x/a?k=v)."
fn trim_closing(text: &str, start: usize, mut end: usize) -> (usize, usize) {
    while end > start {
        let word = &text[start..end];
        let last = word.chars().next_back().unwrap_or(' ');
        let unbalanced = match last {
            ')' => word.matches('(').count() < word.matches(')').count(),
            ']' => word.matches('[').count() < word.matches(']').count(),
            '.' | ',' | ';' | ':' => true,
            _ => false,
        };
        if !unbalanced {
            break;
        }
        end -= last.len_utf8();
    }
    (start, end)
}

/// Where the scheme ending at `colon` (the `:` of `://`) begins.
fn scheme_start(word: &str, colon: usize) -> usize {
    let before = &word[..colon];
    let start = before
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        .last()
        .map_or(colon, |(i, _)| i);
    // A scheme starts with a letter: in `1http://` the digit is not part of it.
    before[start..].find(|c: char| c.is_ascii_alphabetic()).map_or(colon, |offset| start + offset)
}

/// One URL (from its scheme to its end) with userinfo and credential values masked.
fn one_url(url: &str) -> Cow<'_, str> {
    let Some(authority_start) = url.find("://").map(|i| i + 3) else { return Cow::Borrowed(url) };
    let authority_len = url[authority_start..].find(['/', '?', '#']).unwrap_or(url.len() - authority_start);
    let authority = &url[authority_start..authority_start + authority_len];
    let rest = &url[authority_start + authority_len..];
    let userinfo = authority.rfind('@');
    let (path, query, fragment) = split_rest(rest);
    let clean_query = query.map(pairs);
    let clean_fragment = fragment.map(pairs);
    let changed = userinfo.is_some()
        || matches!(clean_query, Some(Cow::Owned(_)))
        || matches!(clean_fragment, Some(Cow::Owned(_)));
    if !changed {
        return Cow::Borrowed(url);
    }
    let mut out = String::with_capacity(url.len());
    out.push_str(&url[..authority_start]);
    match userinfo {
        Some(at) => {
            out.push_str(MASK);
            out.push_str(&authority[at..]);
        }
        None => out.push_str(authority),
    }
    out.push_str(path);
    if let Some(query) = clean_query {
        out.push('?');
        out.push_str(&query);
    }
    if let Some(fragment) = clean_fragment {
        out.push('#');
        out.push_str(&fragment);
    }
    Cow::Owned(out)
}

/// Path, query (after `?`) and fragment (after `#`) of what follows the authority.
fn split_rest(rest: &str) -> (&str, Option<&str>, Option<&str>) {
    let (before_fragment, fragment) = match rest.split_once('#') {
        Some((before, fragment)) => (before, Some(fragment)),
        None => (rest, None),
    };
    match before_fragment.split_once('?') {
        Some((path, query)) => (path, Some(query), fragment),
        None => (before_fragment, None, fragment),
    }
}

/// A word with a query but no scheme (`/login?token=…`).
fn query_in_word(word: &str) -> Cow<'_, str> {
    let (path, query, fragment) = split_rest(word);
    let Some(query) = query else { return Cow::Borrowed(word) };
    let clean_query = pairs(query);
    let clean_fragment = fragment.map(pairs);
    if matches!(clean_query, Cow::Borrowed(_)) && !matches!(clean_fragment, Some(Cow::Owned(_))) {
        return Cow::Borrowed(word);
    }
    let mut out = format!("{path}?{clean_query}");
    if let Some(fragment) = clean_fragment {
        out.push('#');
        out.push_str(&fragment);
    }
    Cow::Owned(out)
}

/// `a=1&api_key=s` → `a=1&api_key=***`; pairs split at `&` and `;`, names percent-decoded.
fn pairs(query: &str) -> Cow<'_, str> {
    let mut out = String::new();
    let mut copied = 0;
    let mut start = 0;
    for piece in query.split(['&', ';']) {
        let end = start + piece.len();
        if let Some((name, value)) = piece.split_once('=')
            && !value.is_empty()
            && value != MASK
            && is_credential_name(&decoded_name(name))
        {
            let value_start = start + name.len() + 1;
            out.push_str(&query[copied..value_start]);
            out.push_str(MASK);
            copied = end;
        }
        start = end + 1;
    }
    if copied == 0 {
        return Cow::Borrowed(query);
    }
    out.push_str(&query[copied..]);
    Cow::Owned(out)
}

fn decoded_name(name: &str) -> String {
    let spaced = name.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced).decode_utf8_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    #[test]
    fn masked_urls_are_urls_without_the_secrets() {
        let url = Url::parse("https://reader:hunter2@api.example.org/feed?api_key=SECRET&page=2#top").unwrap();
        let masked = masked(&url);
        assert!(!masked.as_str().contains("hunter2") && !masked.as_str().contains("SECRET"), "{masked}");
        assert_eq!(masked.host_str(), Some("api.example.org"));
        assert_eq!(masked.path(), "/feed");
        assert!(masked.query().is_some_and(|q| q.contains("page=2")), "{masked}");
        assert_eq!(masked, super::masked(&url), "stable");
        let plain = Url::parse("https://www.cac.gov.cn/a.htm?id=3").unwrap();
        assert_eq!(super::masked(&plain), plain);
    }

    use rstest::rstest;

    use super::*;

    #[rstest]
    #[case("api_key", true)]
    #[case("apikey", true)]
    #[case("apiKey", true)]
    #[case("API_KEY", true)]
    #[case("key", true)]
    #[case("appkey", true)]
    #[case("token", true)]
    #[case("access_token", true)]
    #[case("accessToken", true)]
    #[case("refresh_token", true)]
    #[case("oauth_token", true)]
    #[case("private_token", true)]
    #[case("secret", true)]
    #[case("client_secret", true)]
    #[case("appsecret", true)]
    #[case("password", true)]
    #[case("passwd", true)]
    #[case("pwd", true)]
    #[case("pass", true)]
    #[case("sig", true)]
    #[case("sign", true)]
    #[case("signature", true)]
    #[case("X-Amz-Signature", true)]
    #[case("X-Amz-Credential", true)]
    #[case("X-Amz-Security-Token", true)]
    #[case("auth", true)]
    #[case("authToken", true)]
    #[case("session", true)]
    #[case("sessionid", true)]
    #[case("JSESSIONID", true)]
    #[case("PHPSESSID", true)]
    #[case("sid", true)]
    #[case("credential", true)]
    #[case("jwt", true)]
    #[case("ak", true)]
    #[case("keyword", false)]
    #[case("keywords", false)]
    #[case("author", false)]
    #[case("page", false)]
    #[case("per_page", false)]
    #[case("design", false)]
    #[case("signup", false)]
    #[case("assignee", false)]
    #[case("flag", false)]
    #[case("pageId", false)]
    #[case("webId", false)]
    #[case("lid", false)]
    #[case("type", false)]
    #[case("q", false)]
    #[case("", false)]
    fn credential_names(#[case] name: &str, #[case] secret: bool) {
        assert_eq!(is_credential_name(name), secret, "{name}");
    }

    #[rstest]
    #[case("http://user:pass@127.0.0.1:8080/feed?api_key=SECRET", "http://***@127.0.0.1:8080/feed?api_key=***")]
    #[case("https://user@example.org/", "https://***@example.org/")]
    #[case("https://example.org/a?page=2&token=abc&q=x", "https://example.org/a?page=2&token=***&q=x")]
    #[case(
        "https://example.org/a?Signature=x%2By&Key-Pair-Id=K",
        "https://example.org/a?Signature=***&Key-Pair-Id=***"
    )]
    #[case("https://example.org/cb#access_token=t&state=s", "https://example.org/cb#access_token=***&state=s")]
    #[case("https://example.org/a?api%5Fkey=s", "https://example.org/a?api%5Fkey=***")]
    #[case("https://example.org/a?key=", "https://example.org/a?key=")]
    #[case("https://example.org/a?keyword=%E6%95%B0%E6%8D%AE", "https://example.org/a?keyword=%E6%95%B0%E6%8D%AE")]
    #[case(
        "http://www.npc.gov.cn/flcaw/flca-list?flag=0&type=0&page=1",
        "http://www.npc.gov.cn/flcaw/flca-list?flag=0&type=0&page=1"
    )]
    #[case("https://example.org/p@th?x=1", "https://example.org/p@th?x=1")]
    fn urls(#[case] raw: &str, #[case] shown: &str) {
        let parsed = Url::parse(raw).unwrap();
        assert_eq!(url(&parsed), shown);
        assert_eq!(Redacted(&parsed).to_string(), shown);
    }

    #[rstest]
    #[case(
        "error sending request for url (http://u:p@127.0.0.1:9/feed?api_key=S): connection refused",
        "error sending request for url (http://***@127.0.0.1:9/feed?api_key=***): connection refused"
    )]
    #[case("redirect loop back to /login?token=abc.", "redirect loop back to /login?token=***.")]
    #[case(
        "see \"https://a.org/x?sig=1\" and https://b.org/?pwd=2",
        "see \"https://a.org/x?sig=***\" and https://b.org/?pwd=***"
    )]
    #[case("url=http://u:p@h/x", "url=http://***@h/x")]
    #[case("HTTP status 404", "HTTP status 404")]
    #[case("what? who@where", "what? who@where")]
    #[case("", "")]
    fn texts(#[case] raw: &str, #[case] shown: &str) {
        assert_eq!(text(raw), shown);
    }

    #[test]
    fn clean_text_is_borrowed() {
        assert!(matches!(text("https://example.org/a?page=1 and more"), Cow::Borrowed(_)));
        assert!(matches!(one_url("https://example.org/a?page=1"), Cow::Borrowed(_)));
    }

    #[test]
    fn redaction_is_idempotent() {
        let once = text("http://u:p@h/x?token=a&b=c");
        assert_eq!(text(&once), once);
    }
}
