//! The server's session cache: a bounded map from session id to session state,
//! least recently used entry evicted first, every entry with an expiry time.

use crate::crypto::Secret;
use rustls_pki_types::UnixTime;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

/// A bounded, thread-safe LRU cache of server-side session state. One cache is shared
/// (through `Arc`) by every connection of a [`ServerConfig`](crate::ServerConfig).
///
/// It holds TLS 1.2 sessions under their session ids, so that a client presenting
/// the id gets the abbreviated handshake; with single-use TLS 1.3 tickets it also
/// remembers which tickets were already redeemed. Entries expire `lifetime` after
/// they are stored (used tickets: when the ticket itself expires); when the cache is
/// full the least recently used entry makes room.
pub struct ServerSessionCache {
    capacity: usize,
    lifetime: Duration,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    entries: HashMap<Vec<u8>, Entry>,
    /// Use order: tick → key; the smallest tick is the least recently used.
    order: BTreeMap<u64, Vec<u8>>,
    tick: u64,
}

struct Entry {
    value: Secret,
    /// Unix seconds after which the entry is gone.
    expires: u64,
    tick: u64,
}

impl Inner {
    fn touch(&mut self, key: &[u8]) {
        self.tick += 1;
        let tick = self.tick;
        if let Some(e) = self.entries.get_mut(key) {
            self.order.remove(&e.tick);
            e.tick = tick;
            self.order.insert(tick, key.to_vec());
        }
    }

    fn remove(&mut self, key: &[u8]) -> Option<Entry> {
        let e = self.entries.remove(key)?;
        self.order.remove(&e.tick);
        Some(e)
    }

    fn evict_oldest(&mut self) {
        if let Some((_, key)) = self.order.pop_first() {
            self.entries.remove(&key);
        }
    }
}

impl ServerSessionCache {
    /// Default capacity: 1024 sessions. Each entry is a few hundred bytes (more with
    /// a client certificate chain), so the default stays well under a megabyte.
    pub const DEFAULT_CAPACITY: usize = 1024;

    /// Default lifetime: two hours (OpenSSL's TLS 1.3 default; RFC 5246 §F.1.4
    /// suggests at most 24 hours).
    pub const DEFAULT_LIFETIME: Duration = Duration::from_secs(2 * 3600);

    /// A cache of at most `capacity` entries (0 caches nothing), each kept for `lifetime`.
    pub fn new(capacity: usize, lifetime: Duration) -> Self {
        Self {
            capacity,
            lifetime,
            inner: Mutex::new(Inner::default()),
        }
    }

    /// The maximum number of entries.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// How long an entry is kept.
    pub fn lifetime(&self) -> Duration {
        self.lifetime
    }

    /// How many entries are held now (expired ones included until they are noticed).
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// Whether the cache is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Forgets everything.
    pub fn clear(&self) {
        let mut inner = self.lock();
        inner.entries.clear();
        inner.order.clear();
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic elsewhere while holding the lock leaves the map consistent (every
        // mutation completes before returning), so a poisoned lock is still usable.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Stores `value` under `key` for the cache's lifetime from `now`.
    pub(crate) fn insert(&self, key: Vec<u8>, value: Secret, now: UnixTime) {
        let expires = now.as_secs().saturating_add(self.lifetime.as_secs());
        self.insert_until(key, value, expires);
    }

    /// Stores `value` under `key` until `expires` (Unix seconds).
    pub(crate) fn insert_until(&self, key: Vec<u8>, value: Secret, expires: u64) {
        if self.capacity == 0 {
            return;
        }
        let mut inner = self.lock();
        inner.remove(&key);
        while inner.entries.len() >= self.capacity {
            inner.evict_oldest();
        }
        inner.tick += 1;
        let tick = inner.tick;
        inner.order.insert(tick, key.clone());
        inner.entries.insert(
            key,
            Entry {
                value,
                expires,
                tick,
            },
        );
    }

    /// The value under `key`, unless absent or expired (an expired entry is dropped).
    /// A hit makes the entry the most recently used.
    pub(crate) fn get(&self, key: &[u8], now: UnixTime) -> Option<Secret> {
        let mut inner = self.lock();
        let expires = inner.entries.get(key)?.expires;
        if now.as_secs() >= expires {
            inner.remove(key);
            return None;
        }
        inner.touch(key);
        inner.entries.get(key).map(|e| e.value.clone())
    }

    /// Records `key` as used until `expires`; `true` the first time, `false` when it
    /// was already recorded (and has not expired). For single-use tickets.
    pub(crate) fn first_use(&self, key: Vec<u8>, now: UnixTime, expires: u64) -> bool {
        if self.get(&key, now).is_some() {
            return false;
        }
        self.insert_until(key, Secret::new(Vec::new()), expires);
        true
    }
}

impl core::fmt::Debug for ServerSessionCache {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ServerSessionCache")
            .field("capacity", &self.capacity)
            .field("lifetime", &self.lifetime)
            .field("len", &self.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: u64) -> UnixTime {
        UnixTime::since_unix_epoch(Duration::from_secs(secs))
    }

    fn value(b: u8) -> Secret {
        Secret::new(vec![b; 4])
    }

    #[test]
    fn least_recently_used_is_evicted() {
        let cache = ServerSessionCache::new(2, Duration::from_secs(100));
        cache.insert(b"a".to_vec(), value(1), at(0));
        cache.insert(b"b".to_vec(), value(2), at(0));
        // Using "a" makes "b" the least recently used.
        assert_eq!(cache.get(b"a", at(1)), Some(value(1)));
        cache.insert(b"c".to_vec(), value(3), at(2));
        assert_eq!(cache.len(), 2);
        assert_eq!(cache.get(b"b", at(3)), None);
        assert_eq!(cache.get(b"a", at(3)), Some(value(1)));
        assert_eq!(cache.get(b"c", at(3)), Some(value(3)));
    }

    #[test]
    fn entries_expire() {
        let cache = ServerSessionCache::new(8, Duration::from_secs(100));
        cache.insert(b"a".to_vec(), value(1), at(1000));
        assert!(cache.get(b"a", at(1099)).is_some());
        assert!(cache.get(b"a", at(1100)).is_none());
        assert!(cache.is_empty(), "an expired entry is dropped when noticed");
    }

    #[test]
    fn replacing_a_key_keeps_one_entry() {
        let cache = ServerSessionCache::new(2, Duration::from_secs(100));
        cache.insert(b"a".to_vec(), value(1), at(0));
        cache.insert(b"a".to_vec(), value(2), at(0));
        cache.insert(b"b".to_vec(), value(3), at(0));
        assert_eq!(cache.len(), 2);
        assert_eq!(cache.get(b"a", at(0)), Some(value(2)));
        assert_eq!(cache.get(b"b", at(0)), Some(value(3)));
    }

    #[test]
    fn zero_capacity_holds_nothing() {
        let cache = ServerSessionCache::new(0, Duration::from_secs(100));
        cache.insert(b"a".to_vec(), value(1), at(0));
        assert!(cache.is_empty());
    }

    #[test]
    fn first_use_only_once_until_expiry() {
        let cache = ServerSessionCache::new(4, Duration::from_secs(10));
        assert!(cache.first_use(b"t".to_vec(), at(0), 500));
        assert!(!cache.first_use(b"t".to_vec(), at(400), 500));
        assert!(cache.first_use(b"t".to_vec(), at(500), 900));
    }

    #[test]
    fn debug_shows_no_values() {
        let cache = ServerSessionCache::new(4, Duration::from_secs(10));
        cache.insert(b"k".to_vec(), Secret::new(b"topsecret".to_vec()), at(0));
        let shown = format!("{cache:?}");
        assert!(
            shown.contains("len: 1") && !shown.contains("topsecret"),
            "{shown}"
        );
    }
}
