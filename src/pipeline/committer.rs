//! The one thread that commits polls, and commits together the polls that are waiting.
//!
//! A poll's commit was a transaction of its own. Most of a small transaction is fixed cost:
//! flushing the search index's pending terms into a segment of their own (later merged), and
//! writing to the WAL every page it touched, the source table's and the fetch log's last page
//! among them, again for the next poll. The thread takes every commit queued while it wrote
//! the last ones and writes them in one transaction (`Store::commit_together`).
//!
//! A poll is still all or nothing, and still alone in what it loses: if a group fails (one
//! poll's rows break a constraint, or its write panics) nothing of it is kept, and each of its
//! polls is committed again on its own, so only the one at fault fails. Its caller gets that
//! error, or that panic, exactly as from a commit of its own.
//!
//! No poll waits for a group to fill: the group is whatever is already queued. The queue is
//! as long as the polls running at once, each of which waits for its commit.

use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender};

use tokio::sync::oneshot;

use crate::store::{CommitReceipt, PollCommit, Store, StoreError};

/// The most polls one transaction takes: the store's write lock is held that long, and other
/// writers (the courier, the web view) wait for it.
pub(super) const MOST_IN_A_GROUP: usize = 32;

/// A group takes no more polls once the texts it stores reach this: compressing and indexing
/// them holds the write lock, and a transaction keeps its pending search terms in memory until
/// it commits, while the fixed cost it shares is small beside large texts. Polls that store
/// nothing (unchanged sources) group freely.
const TEXT_IN_A_GROUP: usize = 256 * 1024;

type Outcome = std::thread::Result<crate::store::Result<CommitReceipt>>;

/// A poll waiting for its commit, and where its outcome goes.
struct Queued {
    poll: PollCommit,
    done: oneshot::Sender<Outcome>,
}

/// The committing thread's queue. Cheap to clone; the thread ends when the last clone is
/// dropped.
#[derive(Debug, Clone)]
pub struct Committer {
    queue: Sender<Queued>,
}

impl Committer {
    /// Starts the thread, named `{name}`.
    pub fn new(name: &str, store: Arc<Store>) -> std::io::Result<Self> {
        let (queue, queued) = std::sync::mpsc::channel::<Queued>();
        std::thread::Builder::new().name(name.to_owned()).spawn(move || commit_through(&store, &queued))?;
        Ok(Self { queue })
    }

    /// Commits `poll`, all or nothing. A panic while writing it resumes here; `Cancelled` if
    /// the thread is gone.
    pub async fn commit(&self, poll: PollCommit) -> crate::store::Result<CommitReceipt> {
        let (done, outcome) = oneshot::channel();
        if self.queue.send(Queued { poll, done }).is_err() {
            return Err(StoreError::Cancelled);
        }
        match outcome.await {
            Ok(Ok(result)) => result,
            Ok(Err(panic)) => resume_unwind(panic),
            Err(_) => Err(StoreError::Cancelled),
        }
    }
}

/// The thread's loop: whatever is queued, together, until the queue closes.
fn commit_through(store: &Store, queue: &Receiver<Queued>) {
    while let Ok(first) = queue.recv() {
        commit_group(store, group_from(first, queue));
    }
}

/// `first` and the polls already queued behind it, within the group's bounds.
fn group_from(first: Queued, queue: &Receiver<Queued>) -> Vec<Queued> {
    let mut text = first.poll.text_bytes();
    let mut group = vec![first];
    while group.len() < MOST_IN_A_GROUP && text < TEXT_IN_A_GROUP {
        match queue.try_recv() {
            Ok(next) => {
                text += next.poll.text_bytes();
                group.push(next);
            }
            Err(_) => break,
        }
    }
    group
}

/// Commits `group` in one transaction; if that fails, each of its polls in one of its own.
fn commit_group(store: &Store, group: Vec<Queued>) {
    if group.len() > 1 {
        let polls: Vec<&PollCommit> = group.iter().map(|q| &q.poll).collect();
        // A panic unwinds through the transaction, which rolls back as it is dropped.
        if let Ok(Ok(receipts)) = catch_unwind(AssertUnwindSafe(|| store.commit_together(&polls))) {
            for (queued, receipt) in group.into_iter().zip(receipts) {
                // The caller may have stopped waiting; the poll is stored all the same.
                let _ = queued.done.send(Ok(Ok(receipt)));
            }
            return;
        }
    }
    for Queued { poll, done } in group {
        let _ = done.send(catch_unwind(AssertUnwindSafe(|| store.commit(&poll))));
    }
}

#[cfg(test)]
mod tests {
    use jiff::Timestamp;

    use super::*;
    use crate::store::PollResult;

    const REFUSED: &str = "https://example.org/refused";

    /// A store with sources `s0`..`s9`, and a trigger that refuses to log a fetch of
    /// `REFUSED`: a poll whose rows break a rule of the database.
    fn store(dir: &std::path::Path) -> Arc<Store> {
        let store = Store::open(&dir.join("t.db")).unwrap();
        let specs: String = (0..10)
            .map(|i| format!("[[source]]\nid = \"s{i}\"\nkind = \"page\"\nurl = \"https://example.org/{i}\"\n"))
            .collect();
        std::fs::write(dir.join("c.toml"), specs).unwrap();
        let config = crate::config::load(&dir.join("c.toml"), &[]).unwrap().config;
        store.register_sources(&config.sources, "2026-01-01T00:00:00Z".parse().unwrap()).unwrap();
        rusqlite::Connection::open(dir.join("t.db"))
            .unwrap()
            .execute_batch(&format!(
                "CREATE TRIGGER refuse BEFORE INSERT ON fetch_log WHEN NEW.url = '{REFUSED}'
                 BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;"
            ))
            .unwrap();
        Arc::new(store)
    }

    fn poll(source: &str, url: &str) -> PollCommit {
        let at = "2026-01-02T00:00:00Z".parse::<Timestamp>().unwrap();
        PollCommit::one_fetch(source, at, url, PollResult::Ok { status: Some(200), items: None, warning: None })
    }

    fn logged(dir: &std::path::Path) -> Vec<String> {
        let conn = rusqlite::Connection::open(dir.join("t.db")).unwrap();
        let mut stmt = conn.prepare("SELECT url FROM fetch_log ORDER BY url").unwrap();
        stmt.query_map([], |row| row.get(0)).unwrap().collect::<rusqlite::Result<_>>().unwrap()
    }

    fn queued_poll(source: &str, url: &str) -> (Queued, oneshot::Receiver<Outcome>) {
        let (done, outcome) = oneshot::channel();
        (Queued { poll: poll(source, url), done }, outcome)
    }

    #[test]
    fn a_group_that_fails_is_committed_poll_by_poll_so_only_the_faulty_poll_fails() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(dir.path());
        let (first, first_done) = queued_poll("s1", "https://example.org/a");
        let (faulty, faulty_done) = queued_poll("s2", REFUSED);
        let (last, last_done) = queued_poll("s3", "https://example.org/b");
        commit_group(&store, vec![first, faulty, last]);
        let outcome = |mut done: oneshot::Receiver<Outcome>| done.try_recv().unwrap().unwrap();
        assert!(outcome(first_done).is_ok());
        let error = outcome(faulty_done).unwrap_err().to_string();
        assert!(error.contains("refused by the test"), "{error}");
        assert!(outcome(last_done).is_ok());
        assert_eq!(logged(dir.path()), ["https://example.org/a", "https://example.org/b"]);
    }

    #[test]
    fn a_group_is_what_is_queued_up_to_its_bound() {
        let (queue, queued) = std::sync::mpsc::channel();
        for i in 0..40 {
            queue.send(queued_poll("s1", &format!("https://example.org/{i}")).0).unwrap();
        }
        let sizes: Vec<usize> =
            std::iter::from_fn(|| queued.try_recv().ok().map(|first| group_from(first, &queued).len())).collect();
        assert_eq!(sizes, [MOST_IN_A_GROUP, 40 - MOST_IN_A_GROUP]);
    }

    #[test]
    fn a_group_is_one_transaction_all_or_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(dir.path());
        let (a, b) = (poll("s1", "https://example.org/a"), poll("s2", REFUSED));
        assert!(store.commit_together(&[&a, &b]).is_err());
        assert!(logged(dir.path()).is_empty(), "the group's first poll was kept");
        let receipts = store.commit_together(&[&a, &poll("s3", "https://example.org/b")]).unwrap();
        assert_eq!(receipts.len(), 2);
        assert_eq!(logged(dir.path()), ["https://example.org/a", "https://example.org/b"]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn polls_committed_at_once_are_all_stored_each_with_its_own_outcome() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(dir.path());
        let committer = Committer::new("regwatch-test-write", Arc::clone(&store)).unwrap();
        let commits: Vec<_> = (0..40)
            .map(|i| {
                let committer = committer.clone();
                let url = if i == 17 { REFUSED.to_owned() } else { format!("https://example.org/{i:02}") };
                tokio::spawn(async move { committer.commit(poll(&format!("s{}", i % 10), &url)).await })
            })
            .collect();
        let mut failed = 0;
        for commit in commits {
            failed += usize::from(commit.await.unwrap().is_err());
        }
        assert_eq!(failed, 1);
        assert_eq!(logged(dir.path()).len(), 39);
    }
}
