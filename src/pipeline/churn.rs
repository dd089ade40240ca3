//! Links that change on every poll. A list whose links carry a per-request token (a session id,
//! a timestamp) shows the same documents at new URLs each time; taken at face value that is a
//! new document and an alert per item per poll, and a re-check queue that never stops growing.
//! Documents whose text is unchanged are recognised as moved (`store.lookup`); this catches the
//! rest: new URLs whose titles are those of listed documents this poll did not see.

use std::collections::HashMap;

use crate::extract::Observation;
use crate::store::Recorded;

/// At least this many relinked documents, and this share of the poll's new documents, before a
/// list counts as churning: a list may legitimately replace an item or two under the same title.
pub(super) const MIN_RELINKED: usize = 3;
const MIN_SHARE: f64 = 0.8;

/// What a churning list looked like, for the source's health.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Churn {
    pub relinked: usize,
    pub new: usize,
}

impl Churn {
    pub(super) fn reason(&self) -> String {
        format!(
            "every link is new on every poll: {} of {} new links lead to documents already listed under the same \
             title (a per-request token in the links?); name the changing query parameter in `strip_params`",
            self.relinked, self.new
        )
    }
}

/// Which new observations are listed documents under new URLs, and whether they are enough to
/// call the list churning. `listed` maps the URLs the store lists for the source to their titles.
pub(super) fn screen(
    observations: &[Observation],
    recorded: &[Recorded],
    listed: &HashMap<String, String>,
) -> Option<(Churn, Vec<bool>)> {
    let observed: std::collections::HashSet<&str> = observations.iter().map(|o| o.doc_url.as_str()).collect();
    let unseen_titles: std::collections::HashSet<&str> =
        listed.iter().filter(|(url, _)| !observed.contains(url.as_str())).map(|(_, title)| title.as_str()).collect();
    let mut relinked = vec![false; observations.len()];
    let mut new = 0;
    for (index, (observation, recorded)) in observations.iter().zip(recorded).enumerate() {
        if *recorded != Recorded::New || observation.attachment.is_some() {
            continue;
        }
        new += 1;
        relinked[index] = unseen_titles.contains(observation.title.as_str());
    }
    let count = relinked.iter().filter(|r| **r).count();
    #[expect(clippy::cast_precision_loss, reason = "counts of list items")]
    let share = if new == 0 { 0.0 } else { count as f64 / new as f64 };
    (count >= MIN_RELINKED && share >= MIN_SHARE).then_some((Churn { relinked: count, new }, relinked))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::BlockText;

    fn observation(url: &str, title: &str) -> Observation {
        Observation::new(url.parse().unwrap(), title.to_owned(), None, BlockText::from_lines(vec![title.to_owned()]))
    }

    fn listed(items: &[(&str, &str)]) -> HashMap<String, String> {
        items.iter().map(|(u, t)| ((*u).to_owned(), (*t).to_owned())).collect()
    }

    #[test]
    fn tokens_in_every_link_are_churn() {
        let before = listed(&[
            ("https://a.gov.cn/1?sid=1", "一"),
            ("https://a.gov.cn/2?sid=1", "二"),
            ("https://a.gov.cn/3?sid=1", "三"),
        ]);
        let now = [
            observation("https://a.gov.cn/1?sid=2", "一"),
            observation("https://a.gov.cn/2?sid=2", "二"),
            observation("https://a.gov.cn/3?sid=2", "三"),
        ];
        let recorded = vec![Recorded::New; 3];
        let (churn, relinked) = screen(&now, &recorded, &before).expect("churn");
        assert_eq!(churn, Churn { relinked: 3, new: 3 });
        assert_eq!(relinked, [true, true, true]);
        assert!(churn.reason().contains("strip_params"));
    }

    #[test]
    fn new_documents_with_new_titles_are_news() {
        let before =
            listed(&[("https://a.gov.cn/1", "一"), ("https://a.gov.cn/2", "二"), ("https://a.gov.cn/3", "三")]);
        let now = [
            observation("https://a.gov.cn/4", "四"),
            observation("https://a.gov.cn/5", "五"),
            observation("https://a.gov.cn/6", "六"),
        ];
        assert_eq!(screen(&now, &[Recorded::New, Recorded::New, Recorded::New], &before), None);
    }

    #[test]
    fn one_item_moved_under_its_title_is_not_churn() {
        let before = listed(&[("https://a.gov.cn/1", "一"), ("https://a.gov.cn/2", "二")]);
        let now = [observation("https://a.gov.cn/1b", "一"), observation("https://a.gov.cn/2", "二")];
        let recorded = [Recorded::New, Recorded::Unchanged { doc: crate::ids::DocId(2) }];
        assert_eq!(screen(&now, &recorded, &before), None);
    }
}
