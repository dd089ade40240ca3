//! Threads of the pipeline's own for its CPU work, fed in turn from one queue.
//!
//! Parsing and the record stage's diffing and classifying run here (a poll's commit on a
//! thread of its own, `committer`), never on the async workers or tokio's blocking pool. Kept
//! on threads of their own, they touch as few threads as they need: every thread that does such
//! work grows its own malloc arena and its own regex caches, and the blocking pool hands a call
//! to whichever of its threads has waited longest, so work run there spread over all of them
//! (1,000 sources' first pass peaked at 52 MiB with it there, 42 MiB here). The blocking pool
//! keeps the store's short reads, which slow work here then never delays.
//!
//! A caller takes a slot before its work is queued, so the queue never holds more than the
//! threads can start at once, and a caller that gives up while waiting for a slot queues
//! nothing.

use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::mpsc::{Receiver, Sender};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::{OwnedSemaphorePermit, Semaphore, oneshot};

use crate::store::{Store, StoreError};

type Job = Box<dyn FnOnce() + Send>;

/// A fixed set of named threads. Cheap to clone; the threads end when the last clone is
/// dropped (their queue closes).
#[derive(Debug, Clone)]
pub struct Workers {
    slots: Arc<Semaphore>,
    jobs: Sender<Job>,
}

impl Workers {
    /// `threads` threads (at least one) named `{name}-{index}`. Fails if the system refuses
    /// to start one; those already started end with the returned error (their queue closes).
    pub fn new(name: &str, threads: usize) -> std::io::Result<Self> {
        let threads = threads.max(1);
        let (jobs, queue) = std::sync::mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for index in 0..threads {
            let queue = Arc::clone(&queue);
            std::thread::Builder::new().name(format!("{name}-{index}")).spawn(move || work_through(&queue))?;
        }
        Ok(Self { slots: Arc::new(Semaphore::new(threads)), jobs })
    }

    /// Waits for a free thread. `None` only if the pool is closed, which it never is.
    pub async fn slot(&self) -> Option<OwnedSemaphorePermit> {
        Arc::clone(&self.slots).acquire_owned().await.ok()
    }

    /// Work that must finish: it waits for a thread however long that takes, and a panic inside
    /// it resumes in the caller, as if the work had been called directly. `None` if the threads
    /// are gone.
    pub async fn compute<T, F>(&self, work: F) -> Option<T>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let slot = self.slot().await?;
        match self.queue(slot, work).await.ok()? {
            Ok(value) => Some(value),
            Err(panic) => resume_unwind(panic),
        }
    }

    /// `Store::call` on these threads, for store calls that are long CPU work (the record
    /// stage): the same closure, the same panics, `Cancelled` if the threads are gone.
    pub async fn store_call<T, F>(&self, store: &Arc<Store>, work: F) -> crate::store::Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Store) -> crate::store::Result<T> + Send + 'static,
    {
        let store = Arc::clone(store);
        self.compute(move || work(&store)).await.unwrap_or(Err(StoreError::Cancelled))
    }

    /// Queues `work`, holding `slot` until it finishes; the receiver yields its value or its
    /// panic, and is closed if the threads are gone.
    pub fn queue<T, F>(&self, slot: OwnedSemaphorePermit, work: F) -> oneshot::Receiver<std::thread::Result<T>>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let (done, value) = oneshot::channel();
        let job: Job = Box::new(move || {
            let _slot = slot;
            // The caller may have stopped waiting; its value is then dropped here.
            let _ = done.send(catch_unwind(AssertUnwindSafe(work)));
        });
        // Sending fails only when every thread has ended: the job is dropped with its sender,
        // which closes the receiver.
        let _ = self.jobs.send(job);
        value
    }
}

/// One thread's loop: a job at a time until the pool is dropped.
fn work_through(queue: &Mutex<Receiver<Job>>) {
    loop {
        // Only `recv` runs under the lock, and it does not panic: the lock is never poisoned.
        let next = queue.lock().unwrap_or_else(PoisonError::into_inner).recv();
        match next {
            // Jobs catch their own panics, so a thread outlives a crashing parser.
            Ok(job) => job(),
            Err(_) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn work_runs_on_the_pool_s_own_named_threads() {
        let workers = Workers::new("regwatch-test", 2).unwrap();
        let mut names = Vec::new();
        for _ in 0..6 {
            names.push(workers.compute(|| std::thread::current().name().map(str::to_owned)).await);
        }
        for name in names {
            let name = name.flatten().unwrap_or_default();
            assert!(name == "regwatch-test-0" || name == "regwatch-test-1", "ran on {name:?}");
        }
    }

    #[tokio::test]
    async fn a_panic_resumes_in_the_caller_and_the_thread_lives_on() {
        let workers = Workers::new("regwatch-test", 1).unwrap();
        let caught = tokio::spawn({
            let workers = workers.clone();
            async move { workers.compute(|| panic!("boom")).await }
        })
        .await;
        assert!(caught.is_err_and(|e| e.is_panic()));
        assert_eq!(workers.compute(|| 7).await, Some(7), "the only thread still takes work");
    }

    /// Threads named `name-*` in this process, from /proc (a thread's name is its `comm`).
    fn threads_named(name: &str) -> usize {
        let tasks = std::fs::read_dir("/proc/self/task").unwrap();
        tasks
            .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("comm")).ok())
            .filter(|comm| comm.trim_end().starts_with(&format!("{name}-")))
            .count()
    }

    #[tokio::test]
    async fn the_threads_end_with_the_last_clone_of_the_pool() {
        // A config reload builds a new pool; the old one's threads must not outlive it.
        // A new thread names itself once it runs, so the count is waited for, not read once.
        let eventually = |count: usize| {
            (0..200).any(|_| {
                let now = threads_named("rw-ending");
                now == count || {
                    std::thread::sleep(Duration::from_millis(10));
                    false
                }
            })
        };
        let workers = Workers::new("rw-ending", 3).unwrap();
        let clone = workers.clone();
        assert_eq!(clone.compute(|| 1).await, Some(1));
        assert!(eventually(3), "{} threads started", threads_named("rw-ending"));
        drop(workers);
        assert_eq!(threads_named("rw-ending"), 3, "a clone still holds the pool");
        drop(clone);
        assert!(eventually(0), "{} threads left", threads_named("rw-ending"));
    }

    #[tokio::test]
    async fn no_more_work_runs_at_once_than_there_are_threads() {
        let workers = Workers::new("regwatch-test", 2).unwrap();
        let running = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let most = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let calls: Vec<_> = (0..8)
            .map(|_| {
                let (workers, running, most) = (workers.clone(), Arc::clone(&running), Arc::clone(&most));
                tokio::spawn(async move {
                    workers
                        .compute(move || {
                            use std::sync::atomic::Ordering::SeqCst;
                            let now = running.fetch_add(1, SeqCst) + 1;
                            most.fetch_max(now, SeqCst);
                            std::thread::sleep(Duration::from_millis(50));
                            running.fetch_sub(1, SeqCst);
                        })
                        .await
                })
            })
            .collect();
        for call in calls {
            assert_eq!(call.await.ok().flatten(), Some(()));
        }
        assert_eq!(most.load(std::sync::atomic::Ordering::SeqCst), 2);
    }
}
