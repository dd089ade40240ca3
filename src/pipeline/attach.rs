//! Attachments: the files an article (or a json-list item) links to, fetched within the
//! source's caps, identified from the response, read to text (PDF, DOCX), and turned into
//! documents of their own linked to their parent. A file that cannot be read is still
//! recorded, as a line naming it, its size and its hash, so a replaced file is a new version.

use jiff::civil::Date;
use sha2::Digest;
use url::Url;

use super::Deps;
use super::context::{Poll, PollFailure};
use super::request::{Target, canonical, fetch_page};
use crate::extract::attachment::{self, AttachmentFormat, Candidate};
use crate::extract::{AttachmentLink, AttachmentOf, BlockText, Observation};
use crate::fetch::{FetchOutcome, Fetched};
use crate::isolate::Failure;

/// The document attachments hang off, and what they inherit from it.
#[derive(Debug, Clone)]
pub(super) struct Parent {
    pub url: Url,
    pub title: String,
    pub published: Option<Date>,
    pub deadline: Option<Date>,
}

impl Parent {
    /// The parent as observed. Its deadline, stated by the list or written in its text (CAC's
    /// 意见反馈截止时间为…), is the attachment's too unless the file names its own.
    pub(super) fn of(observation: &Observation) -> Self {
        let deadline = observation.deadline.or_else(|| {
            crate::classify::find_deadline(&observation.title, &observation.blocks.text(), observation.published)
        });
        Self {
            url: observation.doc_url.clone(),
            title: observation.title.clone(),
            published: observation.published,
            deadline,
        }
    }
}

/// What one attachment fetch came to.
enum Read {
    Document(Box<Observation>),
    /// A download-like link that answered a web page: no attachment.
    NotAFile,
    /// A link that named a file format and answered something else.
    Unexpected(String),
}

/// The attachments stage: the links found on documents read in this poll, and the recorded
/// attachments of pages that answered 304 (a file can be replaced under an unchanged page, so
/// each is asked again, conditionally: an unchanged file costs a 304). Unchanged files yield
/// nothing.
pub(super) async fn attachments(
    poll: &mut Poll<'_>,
    mut parents: Vec<(Parent, Vec<AttachmentLink>)>,
    unchanged: Vec<Target>,
) -> Result<Vec<Observation>, PollFailure> {
    parents.extend(known_attachments(poll, unchanged).await?);
    let max_count = poll.spec.attachments.max_count;
    let wanted: Vec<(Parent, AttachmentLink)> = parents
        .into_iter()
        .flat_map(|(parent, links)| links.into_iter().take(max_count).map(move |link| (parent.clone(), link)))
        .collect();
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let urls: Vec<String> = wanted.iter().map(|(_, l)| canonical(poll.spec, &l.url).to_string()).collect();
    let known = poll.stored_validators(urls).await?;
    let max_size = poll.spec.attachments.max_size.unwrap_or_else(|| poll.spec.max_body(&poll.deps.config.fetch));
    let deps = poll.deps;
    let fetches = wanted.into_iter().map(|(parent, link)| {
        let url = canonical(poll.spec, &link.url);
        let validators = known.get(url.as_str()).cloned().unwrap_or_default();
        let mut request = poll.shape.for_url(&url);
        request.max_body = Some(max_size);
        async move {
            let fetched = fetch_page(deps, &url, &validators, &request).await;
            let read = match &fetched {
                Ok(FetchOutcome::Fetched(f)) => Some(read(deps, &parent, &link, &url, f.clone()).await),
                _ => None,
            };
            (url, fetched, read)
        }
    });
    let done = poll.log.each_in_order(fetches.collect(), "attachment").await;
    let mut observations = Vec::new();
    for (url, fetched, read) in done {
        poll.log.note(&url, &fetched);
        match (fetched, read) {
            (Err(e), _) => poll.log.page_errors.push(e.to_string()),
            (ok @ Ok(_), Some(Read::Document(observation))) => {
                poll.log.keep_validators(&url, &ok);
                observations.push(*observation);
            }
            (ok @ Ok(_), Some(Read::NotAFile)) => {
                tracing::debug!(%url, "Download link answered a web page; not an attachment.");
                poll.log.keep_validators(&url, &ok);
            }
            (Ok(_), Some(Read::Unexpected(why))) => poll.log.page_errors.push(format!("{url}: {why}")),
            (Ok(_), None) => {}
        }
    }
    Ok(observations)
}

/// The recorded attachments of pages that answered 304.
async fn known_attachments(
    poll: &Poll<'_>,
    unchanged: Vec<Target>,
) -> Result<Vec<(Parent, Vec<AttachmentLink>)>, PollFailure> {
    if unchanged.is_empty() || poll.spec.attachments.max_count == 0 {
        return Ok(Vec::new());
    }
    let read_ahead = poll.attachments.as_ref().and_then(|a| a.of(unchanged.iter().map(|t| t.url.as_str())));
    let asked;
    let known = if let Some(rows) = read_ahead {
        rows
    } else {
        let urls: Vec<String> = unchanged.iter().map(|t| t.url.to_string()).collect();
        let id = poll.spec.id.clone();
        asked = poll.deps.store.call(move |s| s.snapshot()?.attachments_of(&id, &urls)).await?;
        asked.as_slice()
    };
    Ok(unchanged
        .into_iter()
        .filter_map(|target| {
            let links: Vec<AttachmentLink> = known
                .iter()
                .filter(|(parent, ..)| parent == target.url.as_str())
                .filter_map(|(_, url, title)| Some(AttachmentLink { url: url.parse().ok()?, label: title.clone() }))
                .collect();
            let parent = Parent {
                url: target.url,
                title: target.title.unwrap_or_default(),
                published: target.published,
                deadline: target.deadline,
            };
            (!links.is_empty()).then_some((parent, links))
        })
        .collect())
}

/// Identifies and reads one fetched attachment. Text is read by a helper process under the
/// `[fetch] extract_memory` / `extract_timeout` limits (`isolate`): a hostile PDF can fail
/// there, never here.
async fn read(deps: &Deps, parent: &Parent, link: &AttachmentLink, url: &Url, fetched: Fetched) -> Read {
    let identified = attachment::identify(
        &fetched.final_url,
        fetched.content_type.as_deref(),
        fetched.content_disposition.as_deref(),
        &fetched.body,
    );
    // What the link promised: a named format (and maybe a file name), or only a download.
    let (promised, linked_name) = match attachment::candidate(&link.url, &link.label) {
        Some(Candidate::Known { format, file_name }) => (Some(format), file_name),
        _ => (None, None),
    };
    let Some(format) = identified.format else {
        return match promised {
            Some(format) => Read::Unexpected(format!("expected a {} file, got a web page", format.as_str())),
            None => Read::NotAFile,
        };
    };
    // The server's name for the file, else link text that reads as a title (URL file names
    // are often opaque: wjyjzj.docx, 20261120093011.pdf), else the name in the URL.
    let telling_label = Some(link.label.trim()).filter(|l| l.chars().any(is_han)).map(str::to_owned);
    let name = identified.file_name.or(telling_label).or(linked_name).unwrap_or_else(|| link.label.clone());
    let text = if format.readable() {
        deps.extractor.extract_text(format, fetched.body.clone()).await
    } else {
        attachment::extract_text(format, &fetched.body).map_err(|u| Failure::Unreadable(u.reason))
    };
    let (blocks, unreadable) = match text {
        Ok(lines) if lines.iter().any(|l| !l.trim().is_empty()) => (BlockText::from_lines(lines), None),
        Ok(_) => described(&name, format, &fetched.body, "no text in the file".to_owned()),
        Err(Failure::Unreadable(why)) => described(&name, format, &fetched.body, why),
        // Not the file's fault: no version is recorded, and the next poll reads it again.
        Err(e @ Failure::NotRun(_)) => {
            tracing::warn!(%url, error = %e, "Attachment text could not be read; will retry.");
            return Read::Unexpected(e.to_string());
        }
    };
    let mut observation = Observation::new(url.clone(), title(&name, parent), parent.published, blocks);
    // The file's own deadline first; else its parent's.
    let own = crate::classify::find_deadline(&observation.title, &observation.blocks.text(), parent.published);
    observation.deadline = own.or(parent.deadline);
    observation.attachment =
        Some(AttachmentOf { parent: parent.url.clone(), format: Some(format.as_str()), unreadable });
    Read::Document(Box::new(observation))
}

fn is_han(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}')
}

/// An unreadable file's text: one line that changes whenever the file does.
fn described(name: &str, format: AttachmentFormat, body: &[u8], why: String) -> (BlockText, Option<String>) {
    let hash = hex::encode(sha2::Sha256::digest(body));
    let line = format!("[{} not read: {why}] {name} ({} bytes, sha256 {hash})", format.as_str(), body.len());
    (BlockText::from_lines(vec![line]), Some(why))
}

/// The file's name without its extension and the `附件1：` lead-in (it is usually the
/// instrument's own title), else the parent's title marked as an attachment.
fn title(name: &str, parent: &Parent) -> String {
    let stem = std::path::Path::new(name).file_stem().and_then(|s| s.to_str()).unwrap_or(name);
    let stem = stem.trim();
    let stem = strip_lead_in(stem);
    if stem.is_empty() || stem.chars().all(|c| c.is_ascii_digit() || c == '_' || c == '-') {
        format!("{}（附件）", parent.title)
    } else {
        stem.to_owned()
    }
}

/// `附件1：…`, `附件：…`, `附件2.…` → `…`.
fn strip_lead_in(name: &str) -> &str {
    let Some(rest) = name.strip_prefix("附件") else { return name };
    let rest = rest.trim_start_matches(|c: char| c.is_ascii_digit() || ('０'..='９').contains(&c));
    let rest = rest.trim_start_matches([':', '：', '.', '、', ' ', '-', '_']);
    if rest.is_empty() { name } else { rest }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parent() -> Parent {
        Parent {
            url: Url::parse("https://www.cac.gov.cn/a.htm").unwrap(),
            title: "关于公开征求意见的通知".into(),
            published: None,
            deadline: None,
        }
    }

    #[test]
    fn titles_come_from_file_names() {
        assert_eq!(
            title("附件1：数据出境安全评估办法（征求意见稿）.pdf", &parent()),
            "数据出境安全评估办法（征求意见稿）"
        );
        assert_eq!(title("附件：起草说明.docx", &parent()), "起草说明");
        assert_eq!(title("20261001123456.pdf", &parent()), "关于公开征求意见的通知（附件）");
        assert_eq!(title("附件.pdf", &parent()), "附件");
    }

    #[test]
    fn unreadable_files_are_described_by_their_hash() {
        let (blocks, why) = described("说明.doc", AttachmentFormat::Doc, b"abc", "doc files are not read".into());
        assert_eq!(why.as_deref(), Some("doc files are not read"));
        assert_eq!(
            blocks.lines(),
            [
                "[doc not read: doc files are not read] 说明.doc (3 bytes, sha256 ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad)"
            ]
        );
    }
}
