//! What a feed entry is known by (DESIGN: "an entry's identity is its link; without a link,
//! its guid/id; without either, a hash of its title and content"), and the page to follow.
//!
//! Not which link an entry prefers or how it resolves (that is `feed`), nor what the pipeline
//! does with a link-less entry.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use url::Url;

use crate::extract::blocks::BlockText;

/// Characters kept as they are in a `urn:x-regwatch:guid:` URL: RFC 3986 unreserved ones.
const GUID: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// An entry's document identity and the http(s) page it links to, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Identity {
    pub(super) url: Url,
    pub(super) link: Option<Url>,
}

/// The identity of an entry with this link, id, title and text; `None` when it has none of
/// them, so nothing could tell it from the next such entry.
pub(super) fn identify(link: Option<Url>, id: &str, title: &str, text: Option<&BlockText>) -> Option<Identity> {
    if let Some(link) = link {
        return Some(Identity { url: link.clone(), link: Some(link) });
    }
    let id = id.trim();
    if !id.is_empty() {
        return Some(Identity { url: id_url(id), link: None });
    }
    let text = text.filter(|t| !t.is_empty());
    if title.is_empty() && text.is_none() {
        return None;
    }
    Some(Identity { url: hash_url(title, text), link: None })
}

/// The id itself when it is an absolute URL (`tag:`, `urn:`, `http:` …), else a `urn:` naming it.
fn id_url(id: &str) -> Url {
    let absolute = Url::parse(id).ok().filter(|u| u.scheme().len() > 1 && !u.as_str().contains(char::is_whitespace));
    absolute.unwrap_or_else(|| {
        let urn = format!("urn:x-regwatch:guid:{}", utf8_percent_encode(id, GUID));
        Url::parse(&urn).expect("a percent-encoded urn is a URL")
    })
}

/// A `urn:` from the SHA-256 of the title and text, compared as block text is (so a stray
/// space or a full-width colon does not make a new document).
fn hash_url(title: &str, text: Option<&BlockText>) -> Url {
    let lines = std::iter::once(title).chain(text.into_iter().flat_map(|t| t.lines().iter().map(String::as_str)));
    let hash = BlockText::from_lines(lines).hash();
    Url::parse(&format!("urn:x-regwatch:sha256:{hash}")).expect("a hex urn is a URL")
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    #[rstest]
    #[case("tag:example.org,2003:3.2397", "tag:example.org,2003:3.2397")]
    #[case("urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a", "urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a")]
    #[case(" http://example.org/p?id=1 ", "http://example.org/p?id=1")]
    #[case("abc-123", "urn:x-regwatch:guid:abc-123")]
    #[case("1234", "urn:x-regwatch:guid:1234")]
    #[case("/2024/01/post", "urn:x-regwatch:guid:%2F2024%2F01%2Fpost")]
    #[case("文章 7", "urn:x-regwatch:guid:%E6%96%87%E7%AB%A0%207")]
    #[case("C:\\feeds\\1", "urn:x-regwatch:guid:C%3A%5Cfeeds%5C1")]
    fn ids(#[case] id: &str, #[case] expected: &str) {
        let identity = identify(None, id, "t", None).unwrap();
        assert_eq!(identity.url.as_str(), expected);
        assert_eq!(identity.link, None);
    }

    #[test]
    fn link_beats_id_and_hash() {
        let link = Url::parse("https://example.org/a").unwrap();
        let identity = identify(Some(link.clone()), "tag:x", "t", None).unwrap();
        assert_eq!(identity, Identity { url: link.clone(), link: Some(link) });
    }

    #[test]
    fn hash_is_stable_under_noise_and_tells_texts_apart() {
        let text = |s: &str| BlockText::from_text(s);
        let a = identify(None, "", "标题：一", Some(&text("第一条 内容；"))).unwrap();
        let b = identify(None, " ", "标题:一", Some(&text("第一条　内容;\n\u{200B}"))).unwrap();
        let c = identify(None, "", "标题：一", Some(&text("第一条 内容改了"))).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert!(a.url.as_str().starts_with("urn:x-regwatch:sha256:"), "{}", a.url);
        assert_eq!(a.url.as_str().len(), "urn:x-regwatch:sha256:".len() + 64);
        // Title only, text only.
        assert!(identify(None, "", "only a title", None).is_some());
        assert!(identify(None, "", "", Some(&text("only text"))).is_some());
    }

    #[test]
    fn nothing_to_know_an_entry_by() {
        assert_eq!(identify(None, "", "", None), None);
        assert_eq!(identify(None, "  ", "", Some(&BlockText::from_text(" \u{200B} "))), None);
    }
}
