//! The follow stage: the pages a list points at, fetched concurrently (the host gate keeps
//! them polite) and read into documents, in list order. A page that answered 304 yields no
//! document but is kept: its attachments may have been replaced under it.

use std::collections::HashMap;

use super::attach::Parent;
use super::context::{Poll, PollFailure};
use super::read::read_article;
use super::request::{Target, canonical, fetch_page};
use crate::config::model::SourceSpec;
use crate::extract::{Article, AttachmentLink, Observation};
use crate::fetch::{FetchOutcome, Validators};

/// What following a list's pages yielded.
#[derive(Debug, Default)]
pub(super) struct Followed {
    pub observations: Vec<Observation>,
    /// Documents with attachment links to fetch.
    pub parents: Vec<(Parent, Vec<AttachmentLink>)>,
    /// Pages that answered 304.
    pub unchanged: Vec<Target>,
}

/// Fetches and reads every target.
/// `known` holds the validators stored for them (`Extracted::validators`).
pub(super) async fn follow(
    poll: &mut Poll<'_>,
    targets: Vec<Target>,
    known: &HashMap<String, Validators>,
) -> Result<Followed, PollFailure> {
    let mut followed = Followed::default();
    if targets.is_empty() {
        return Ok(followed);
    }
    let (deps, spec) = (poll.deps, poll.spec);
    let fetches = targets.into_iter().map(|target| {
        let validators = known.get(target.url.as_str()).cloned().unwrap_or_default();
        let shape = poll.shape.for_url(&target.url);
        async move {
            let fetched = fetch_page(deps, &target.url, &validators, &shape).await;
            let article = match &fetched {
                Ok(FetchOutcome::Fetched(f)) => Some(read_article(deps, spec, f.clone()).await),
                _ => None,
            };
            (target, fetched, article)
        }
    });
    // In list order, so documents are created in the order the publisher shows them.
    let done = poll.log.each_in_order(fetches.collect(), "article").await;
    for (target, fetched, article) in done {
        poll.log.note(&target.url, &fetched);
        match (fetched, article) {
            (Err(e), _) => poll.log.page_errors.push(e.to_string()),
            (Ok(_), Some(Err(reason))) => poll.log.page_errors.push(format!("{}: {reason}", target.url)),
            (ok @ Ok(_), Some(Ok(mut article))) => {
                poll.log.keep_validators(&target.url, &ok);
                let mut links = std::mem::take(&mut article.attachments);
                if let Some(url) = &target.attachment
                    && !links.iter().any(|l| l.url == *url)
                {
                    let label = target.title.clone().unwrap_or_default();
                    links.insert(0, AttachmentLink { url: url.clone(), label });
                }
                let observation = observe(poll.spec, &target, article);
                if !links.is_empty() {
                    followed.parents.push((Parent::of(&observation), links));
                }
                followed.observations.push(observation);
            }
            (Ok(_), None) => followed.unchanged.push(target),
        }
    }
    Ok(followed)
}

fn observe(spec: &SourceSpec, target: &Target, article: Article) -> Observation {
    // List titles are what the publisher calls the document, and article headings the
    // fallback; unless the source names the article's title element (its list cuts titles).
    let listed = target.title.clone().filter(|t| !t.is_empty());
    let title = if spec.article.title.is_some() { article.title.or(listed) } else { listed.or(article.title) };
    let mut observation = Observation::new(
        canonical(spec, &target.url),
        title.unwrap_or_else(|| target.url.to_string()),
        target.published.or(article.published),
        article.blocks,
    );
    observation.deadline = target.deadline;
    observation
}
