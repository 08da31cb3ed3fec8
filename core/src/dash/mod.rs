//! The dashtable (placeholder implementation over hashbrown; the real segmented table with
//! the same API replaces it).

use core::borrow::Borrow;
use core::hash::{BuildHasher, Hash};
use hashbrown::HashMap;

/// A hash table of `K -> V`.
pub struct DashTable<K, V, S> {
    map: HashMap<K, V, S>,
}

impl<K: Hash + Eq, V, S: BuildHasher> DashTable<K, V, S> {
    /// An empty table hashing with `hasher`.
    pub fn with_hasher(hasher: S) -> Self {
        DashTable {
            map: HashMap::with_hasher(hasher),
        }
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The value for `key`.
    pub fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.map.get(key)
    }

    /// The value for `key`, mutable.
    pub fn get_mut<Q>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.map.get_mut(key)
    }

    /// The stored key and value for `key`.
    pub fn get_key_value<Q>(&self, key: &Q) -> Option<(&K, &V)>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.map.get_key_value(key)
    }

    /// Inserts or replaces; returns the old value (the stored key is kept).
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        self.map.insert(key, value)
    }

    /// The value for `key`, inserting `make()` first when absent; `true` when inserted.
    pub fn get_or_insert_with<Q>(
        &mut self,
        key: &Q,
        make: impl FnOnce() -> (K, V),
    ) -> (&mut V, bool)
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        if self.map.contains_key(key) {
            (self.map.get_mut(key).expect("present"), false)
        } else {
            let (k, v) = make();
            (self.map.entry(k).or_insert(v), true)
        }
    }

    /// Removes `key`; returns its entry.
    pub fn remove_entry<Q>(&mut self, key: &Q) -> Option<(K, V)>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.map.remove_entry(key)
    }

    /// Removes everything.
    pub fn clear(&mut self) {
        self.map.clear()
    }

    /// Visits the next bucket's entries from `cursor`; returns the cursor to continue from,
    /// 0 when the walk is complete.
    pub fn scan(&self, cursor: u64, mut f: impl FnMut(&K, &V)) -> u64 {
        let _ = cursor;
        for (k, v) in self.map.iter() {
            f(k, v);
        }
        0
    }

    /// Like [`scan`](Self::scan), removing the entries for which `f` returns false.
    pub fn scan_retain(&mut self, cursor: u64, mut f: impl FnMut(&K, &mut V) -> bool) -> u64 {
        let _ = cursor;
        self.map.retain(|k, v| f(k, v));
        0
    }

    /// Some entry chosen with `seed`, roughly uniformly.
    pub fn random_entry(&self, seed: u64) -> Option<(&K, &V)> {
        if self.map.is_empty() {
            return None;
        }
        let n = (seed % self.map.len() as u64) as usize;
        self.map.iter().nth(n)
    }

    /// All entries.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.map.iter()
    }

    /// Bytes the table itself occupies (slots and control bytes), not counting what
    /// entries own on the heap.
    pub fn memory_usage(&self) -> usize {
        self.map.allocation_size()
    }
}
