//! Links from elsewhere into the reading room: the diff page of a change, as emails, digests
//! and webhook bodies carry it when `[web] public_url` is set.
//!
//! Not here: serving those pages (`web`).

use url::Url;

use super::event::{Event, EventData};

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

/// Sets `data.change.url` of a document event (its draft's last version is the old side of a
/// `document.final`).
pub fn link_event(event: &mut Event, public_url: &Url) {
    let EventData::Document(data) = &mut event.data else { return };
    let doc = data.document.id.0;
    let draft = data.draft.as_ref().map(|d| d.id.0);
    if let Some(change) = &mut data.change {
        change.url = redline_url(public_url, doc, draft, change.from_version.0, change.to_version.0);
    }
}

/// [`link_event`] on a stored webhook body, leaving every other byte of it as it was.
pub fn link_payload(payload: &mut serde_json::Value, public_url: &Url) {
    let number = |pointer: &str| payload.pointer(pointer).and_then(serde_json::Value::as_i64);
    let (Some(doc), Some(from), Some(to)) =
        (number("/data/document/id"), number("/data/change/from_version"), number("/data/change/to_version"))
    else {
        return;
    };
    let Some(url) = redline_url(public_url, doc, number("/data/draft/id"), from, to) else { return };
    if let Some(change) = payload.pointer_mut("/data/change").and_then(serde_json::Value::as_object_mut) {
        change.insert("url".to_owned(), serde_json::Value::String(url.into()));
    }
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

    #[test]
    fn payloads_gain_the_url_and_nothing_else() {
        let base = Url::parse("https://example.org/").unwrap();
        let mut payload = serde_json::json!({"type": "document.changed", "data": {
            "document": {"id": 7}, "change": {"from_version": 1, "to_version": 2, "summary": "s"}}});
        link_payload(&mut payload, &base);
        assert_eq!(payload["data"]["change"]["url"], "https://example.org/documents/7/diff?from=1&to=2");
        assert_eq!(payload["data"]["change"]["summary"], "s");
        let mut new_doc = serde_json::json!({"data": {"document": {"id": 7}, "change": null}});
        link_payload(&mut new_doc, &base);
        assert_eq!(new_doc["data"]["change"], serde_json::Value::Null);
    }
}
