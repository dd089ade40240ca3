//! List items skipped for want of a link, counted and logged once per list (html-list and
//! json-list alike). Not the reading of links (`html_list`, `json_list`).

/// Items skipped for want of a link, logged once per list: a page of placeholders (or a hostile
/// one with 100,000 empty items) must not write a debug line per item.
#[derive(Debug, Default)]
pub(crate) struct Linkless {
    count: usize,
    first: Option<String>,
}

impl Linkless {
    /// Counts one skipped item; `describe` runs for the first only.
    pub(crate) fn note(&mut self, describe: impl FnOnce() -> String) {
        if self.count == 0 {
            self.first = Some(crate::extract::blocks::normalise_line(&describe()).chars().take(200).collect());
        }
        self.count += 1;
    }

    /// One debug line with the count and the first item, if any was skipped.
    pub(crate) fn log(&self, message: &'static str) {
        if self.count > 0 {
            let first = self.first.as_deref().unwrap_or_default();
            tracing::debug!(skipped = self.count, first = %first, "{message}");
        }
    }
}
