//! One allocation for the equal parts of many sources' specs: a config of 50,000 sources
//! repeats a few selectors and a few `[source.article]` and `[source.attachments]` tables, and
//! each held once per source was most of a loaded config's memory.
//!
//! Weak references, so a reloaded config's old parts are freed with it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError, Weak};

/// Values by the text they were built from.
pub(crate) struct Shared<T> {
    table: Mutex<Table<T>>,
}

struct Table<T> {
    by_key: HashMap<String, Weak<T>>,
    /// Entries whose values are gone are swept when the table reaches this size, which then
    /// doubles past the live ones: a config of 50,000 distinct keys sweeps a dozen times, not
    /// once per key.
    sweep_at: usize,
}

const FIRST_SWEEP: usize = 1024;

impl<T> Shared<T> {
    pub(crate) fn new() -> Self {
        Self { table: Mutex::new(Table { by_key: HashMap::new(), sweep_at: FIRST_SWEEP }) }
    }

    /// The live value built from `key`, or else `build`'s, recorded under `key`. `key` must
    /// determine the value: equal keys share one.
    pub(crate) fn get_or_try<E>(&self, key: &str, build: impl FnOnce() -> Result<T, E>) -> Result<Arc<T>, E> {
        let mut table = self.table.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(value) = table.by_key.get(key).and_then(Weak::upgrade) {
            return Ok(value);
        }
        let value = Arc::new(build()?);
        if table.by_key.len() >= table.sweep_at {
            table.by_key.retain(|_, weak| weak.strong_count() > 0);
            table.sweep_at = (2 * table.by_key.len()).max(FIRST_SWEEP);
        }
        table.by_key.insert(key.to_owned(), Arc::downgrade(&value));
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_keys_share_one_value_while_it_lives() {
        let shared = Shared::new();
        let one = shared.get_or_try("a", || Ok::<_, ()>(String::from("built from a"))).unwrap();
        let again = shared.get_or_try("a", || -> Result<String, ()> { panic!("built twice") }).unwrap();
        assert!(Arc::ptr_eq(&one, &again));
        let other = shared.get_or_try("b", || Ok::<_, ()>(String::from("built from b"))).unwrap();
        assert!(!Arc::ptr_eq(&one, &other));
        drop((one, again));
        let fresh = shared.get_or_try("a", || Ok::<_, ()>(String::from("rebuilt"))).unwrap();
        assert_eq!(*fresh, "rebuilt");
    }

    #[test]
    fn a_failed_build_records_nothing() {
        let shared: Shared<String> = Shared::new();
        assert_eq!(shared.get_or_try("a", || Err("bad")), Err("bad"));
        assert_eq!(*shared.get_or_try("a", || Ok::<_, ()>("good".to_owned())).unwrap(), "good");
    }

    #[test]
    fn many_distinct_live_keys_sweep_rarely() {
        let shared = Shared::new();
        let live: Vec<Arc<usize>> =
            (0..10_000).map(|i| shared.get_or_try(&i.to_string(), || Ok::<_, ()>(i)).unwrap()).collect();
        let table = shared.table.lock().unwrap();
        assert_eq!(table.by_key.len(), live.len());
        // Swept at 1,024, 2,048, 4,096 and 8,192 entries: the next sweep waits for 16,384.
        assert_eq!(table.sweep_at, 16_384);
    }
}
