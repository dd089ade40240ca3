//! Links from elsewhere into the reading room: the diff page of a change, as emails, digests
//! and webhook bodies carry it when `[web] public_url` is set.
//!
//! Not here: serving those pages (`redline`).

use url::Url;

/// `{public_url}documents/{doc}/diff?from=N&to=M`, with `&from_doc=D` when the old side is
/// another document (a final's draft).
#[must_use]
pub fn redline_url(public_url: &Url, doc: i64, from_doc: Option<i64>, from: i64, to: i64) -> Option<Url> {
    let mut url = public_url.join(&format!("documents/{doc}/diff")).ok()?;
    {
        let mut query = url.query_pairs_mut();
        query.append_pair("from", &from.to_string()).append_pair("to", &to.to_string());
        if let Some(other) = from_doc.filter(|d| *d != doc) {
            query.append_pair("from_doc", &other.to_string());
        }
    }
    Some(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_stay_below_the_public_url() {
        let base = Url::parse("https://example.org/regwatch/").unwrap();
        let url = redline_url(&base, 42, None, 3, 4).unwrap();
        assert_eq!(url.as_str(), "https://example.org/regwatch/documents/42/diff?from=3&to=4");
        let final_of_draft = redline_url(&base, 43, Some(42), 5, 1).unwrap();
        assert_eq!(final_of_draft.as_str(), "https://example.org/regwatch/documents/43/diff?from=5&to=1&from_doc=42");
    }
}
