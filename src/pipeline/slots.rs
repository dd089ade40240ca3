//! The polls that may work at once (`max_concurrency`): a poll holds a slot from its first read
//! until it queues its commit, and until that commit lands when it stores any text.
//!
//! A poll that stores no text (an unchanged source: its fetch log and poll state) lets go of its
//! slot as it queues its commit, so the next poll fetches while it waits. When every poll waited
//! for its commit in its slot, few polls were ever queued together, so the writer's groups
//! stayed small (some twelve page writes per unchanged poll, to the WAL and back into the
//! database: `strace -c`), and a slot spent about a fifth of an unchanged html-list poll idle
//! (0.5 of 2.3 ms, probed). Such a commit is a few hundred bytes, so the polls waiting for
//! theirs cost nothing worth bounding beyond the writer's group. A poll that stores text keeps
//! its slot: its documents would otherwise pile up in the queue on a first pass, where the
//! writer is the slower side.

use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::committer::MOST_IN_A_GROUP;

#[derive(Debug, Clone)]
pub struct PollSlots {
    slots: Arc<Semaphore>,
    count: usize,
}

impl PollSlots {
    #[must_use]
    pub fn new(count: usize) -> Self {
        let count = count.max(1);
        Self { slots: Arc::new(Semaphore::new(count)), count }
    }

    /// Waits for a slot. `None` only if the slots were closed, which they never are.
    pub async fn take(&self) -> Option<OwnedSemaphorePermit> {
        Arc::clone(&self.slots).acquire_owned().await.ok()
    }

    /// How many polls a caller may start at once: one per slot, and a writer's group more
    /// waiting for their commits.
    #[must_use]
    pub fn polls_at_once(&self) -> usize {
        self.count + MOST_IN_A_GROUP
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_slot_is_free_again_once_its_holder_lets_go() {
        let slots = PollSlots::new(2);
        let first = slots.take().await;
        let second = slots.take().await;
        assert!(first.is_some() && second.is_some());
        assert_eq!(slots.slots.available_permits(), 0);
        drop(first);
        assert_eq!(slots.slots.available_permits(), 1);
        assert_eq!(slots.polls_at_once(), 2 + MOST_IN_A_GROUP);
    }
}
