//! The engine's verification cache (spec/README.md §7.1): what a signature check concluded,
//! remembered across requests so a warm decision costs a hash and a lookup, not a verification.
//!
//! An entry is keyed by everything the conclusion depends on — the key material and its declared
//! algorithm, the signature bytes and the signed payload (each by its SHA-256), the image digest
//! the payload must name, and for PGP the evaluation time that expiry is judged against — and
//! never by image
//! name, attestor name, key id or occurrence name, which only appear in the messages built around
//! a conclusion. Two checks with the same key therefore conclude the same thing, whichever engine,
//! request or image asked. SHA-256 makes it infeasible to find a forged signature or payload that
//! shares a genuine one's entry.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Mutex, MutexGuard};

use serde::Serialize;

use crate::budget::Work;
use crate::decision::ReasonKind;
use crate::mix::MixState;
use crate::model::payload::PayloadProblem;

/// Entries an engine's cache holds unless told otherwise ([`crate::Engine::with_cache_capacity`]).
pub const DEFAULT_CACHE_ENTRIES: usize = 10_000;

/// The identity of one check: everything its conclusion depends on, each variable-length input
/// by its SHA-256. Equality is exact, so two checks share an entry only when their keys,
/// signatures and payloads hash alike under SHA-256. The map hashes keys with a randomly seeded
/// [`MixState`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CheckKey {
    /// The key's [`key_fingerprint`](crate::model::attestor::key_fingerprint).
    key: [u8; 32],
    /// SHA-256 of the signature bytes.
    signature: [u8; 32],
    /// SHA-256 of the payload, when the occurrence has one.
    payload: Option<[u8; 32]>,
    /// The image digest the payload must name.
    digest: [u8; 32],
    /// The evaluation time, only when the conclusion depends on it (PGP expiry).
    now: Option<i64>,
}

impl CheckKey {
    /// The identity of checking `signature` (its SHA-256) by `key` (its fingerprint) over a
    /// payload (its SHA-256, computed when the occurrence was parsed) for `digest`.
    pub(crate) fn new(
        key: &[u8; 32],
        signature: &[u8; 32],
        payload: Option<&[u8; 32]>,
        digest: [u8; 32],
        now: Option<i64>,
    ) -> Self {
        CheckKey {
            key: *key,
            signature: *signature,
            payload: payload.copied(),
            digest,
            now,
        }
    }
}

impl Hash for CheckKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        for part in [&self.key, &self.signature, &self.digest] {
            for word in part.chunks_exact(8) {
                state.write_u64(u64::from_le_bytes(word.try_into().unwrap_or_default()));
            }
        }
        if let Some(payload) = &self.payload {
            for word in payload.chunks_exact(8) {
                state.write_u64(u64::from_le_bytes(word.try_into().unwrap_or_default()));
            }
        }
        state.write_u64(self.now.map_or(0, |t| t as u64 ^ 0x8000_0000_0000_0000));
    }
}

/// What checking one signature, made with one key, over one payload, for one digest concluded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// The signature verified and its payload names the digest.
    Accepted,
    /// The signature does not verify, or does not count (PGP expiry, revocation, …): the reason
    /// kind and the verifier's explanation. `diagnosable` marks a well-formed PKIX signature
    /// that did not verify, whose likely cause a diagnosis may find (spec §7.2).
    Rejected {
        /// The reason kind.
        kind: ReasonKind,
        /// The verifier's explanation.
        why: Box<str>,
        /// Whether [`crate::crypto::PkixKey::diagnose`] may say more.
        diagnosable: bool,
    },
    /// The signature verified but its payload does not bind the digest.
    Payload(PayloadProblem),
    /// Not concluded: a planning pass (spec §7.3) listed the check for a host to verify. Never
    /// cached; it satisfies nothing and explains nothing.
    Planned,
}

/// An [`Outcome`] and the work it took to reach it. The work is cached with the outcome, so a
/// request is charged the same for a check whether it ran or was remembered (spec §7.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Conclusion {
    /// What was concluded.
    pub(crate) outcome: Outcome,
    /// What concluding it cost.
    pub(crate) work: Work,
}

/// A bounded map from checks to outcomes, safe to share between threads.
///
/// Eviction is generational, an approximation of least-recently-used that needs no linked list:
/// new entries go into a *hot* map of at most `capacity / 2` entries; when it is full it becomes
/// the *cold* map and the old cold map is dropped; a hit in the cold map moves the entry back to
/// the hot one. So at most `capacity` entries are held, and an entry used at least once per
/// `capacity / 2` insertions is never evicted. A capacity of 0 disables caching.
pub(crate) struct VerificationCache {
    capacity: usize,
    state: Mutex<State>,
}

struct State {
    hot: HashMap<CheckKey, Conclusion, MixState>,
    cold: HashMap<CheckKey, Conclusion, MixState>,
    hits: u64,
    misses: u64,
    evictions: u64,
}

/// Counters of an engine's verification cache since it was built. Serialized (camelCase) as the
/// C ABI, Go and WASM bindings hand it over (spec/README.md §7.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct CacheStats {
    /// The most entries the cache holds.
    pub capacity: usize,
    /// Entries held now.
    pub entries: usize,
    /// Checks answered from the cache.
    pub hits: u64,
    /// Checks that ran the cryptography.
    pub misses: u64,
    /// Entries dropped to stay within the capacity.
    pub evictions: u64,
}

impl VerificationCache {
    /// An empty cache holding at most `capacity` entries.
    pub(crate) fn new(capacity: usize) -> Self {
        let seed = MixState::random();
        VerificationCache {
            capacity,
            state: Mutex::new(State {
                hot: HashMap::with_hasher(seed),
                cold: HashMap::with_hasher(seed),
                hits: 0,
                misses: 0,
                evictions: 0,
            }),
        }
    }

    /// The hot map's limit: half the capacity (all of it when the capacity is 1).
    fn hot_limit(&self) -> usize {
        (self.capacity / 2).max(1)
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Nothing panics while the lock is held, but a poisoned map is still a consistent map.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The conclusion held for `key`, if any, without counting a hit or a miss or moving the
    /// entry: a plan (spec §7.3) looks; the decision that follows uses.
    pub(crate) fn peek(&self, key: &CheckKey) -> Option<Conclusion> {
        if self.capacity == 0 {
            return None;
        }
        let state = self.lock();
        state.hot.get(key).or_else(|| state.cold.get(key)).cloned()
    }

    /// The cached outcome of `key`, or `check()`'s, which is then cached. The lock is not held
    /// while `check` runs, so concurrent misses on different keys verify in parallel (two
    /// concurrent misses on one key both verify, and agree). Returns whether it was a hit.
    pub(crate) fn get_or_check(
        &self,
        key: CheckKey,
        check: impl FnOnce() -> Conclusion,
    ) -> (Conclusion, bool) {
        if self.capacity == 0 {
            self.lock().misses += 1;
            return (check(), false);
        }
        {
            let mut state = self.lock();
            if let Some(found) = state.hot.get(&key).cloned() {
                state.hits += 1;
                return (found, true);
            }
            if let Some(found) = state.cold.remove(&key) {
                state.hits += 1;
                self.insert(&mut state, key, found.clone());
                return (found, true);
            }
            state.misses += 1;
        }
        let outcome = check();
        let mut state = self.lock();
        self.insert(&mut state, key, outcome.clone());
        (outcome, false)
    }

    fn insert(&self, state: &mut State, key: CheckKey, outcome: Conclusion) {
        if !state.hot.contains_key(&key) && state.hot.len() >= self.hot_limit() {
            let fresh = HashMap::with_hasher(*state.hot.hasher());
            let retired = std::mem::replace(&mut state.hot, fresh);
            let dropped = if self.capacity >= 2 {
                std::mem::replace(&mut state.cold, retired).len()
            } else {
                retired.len()
            };
            state.evictions += dropped as u64;
        }
        state.hot.insert(key, outcome);
    }

    /// The counters.
    pub(crate) fn stats(&self) -> CacheStats {
        let state = self.lock();
        CacheStats {
            capacity: self.capacity,
            entries: state.hot.len() + state.cold.len(),
            hits: state.hits,
            misses: state.misses,
            evictions: state.evictions,
        }
    }
}

impl std::fmt::Debug for VerificationCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The counters, not the entries: an engine's Debug output stays short.
        f.debug_tuple("VerificationCache")
            .field(&self.stats())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::attestor::key_fingerprint;

    fn key(n: u32) -> CheckKey {
        let mut signature = [0; 32];
        signature[..4].copy_from_slice(&n.to_be_bytes());
        CheckKey::new(&[7; 32], &signature, Some(&[9; 32]), [1; 32], None)
    }

    fn rejected(n: u32) -> Conclusion {
        Conclusion {
            outcome: Outcome::Rejected {
                kind: ReasonKind::SignatureInvalid,
                why: n.to_string().into(),
                diagnosable: false,
            },
            work: Work::verification(4, n as usize),
        }
    }

    fn accepted() -> Conclusion {
        Conclusion {
            outcome: Outcome::Accepted,
            work: Work::verification(4, 300),
        }
    }

    #[test]
    fn a_second_check_of_the_same_inputs_is_a_hit_with_the_same_outcome() {
        let cache = VerificationCache::new(8);
        assert_eq!(
            cache.get_or_check(key(1), || rejected(1)),
            (rejected(1), false)
        );
        let again = cache.get_or_check(key(1), || unreachable!("a hit must not verify again"));
        assert_eq!(again, (rejected(1), true));
        let stats = cache.stats();
        assert_eq!((stats.hits, stats.misses, stats.entries), (1, 1, 1));
    }

    #[test]
    fn every_input_is_part_of_the_key() {
        let k = |key: u8, sig: u8, payload: Option<u8>, digest: u8, now: Option<i64>| {
            CheckKey::new(
                &[key; 32],
                &[sig; 32],
                payload.map(|p| [p; 32]).as_ref(),
                [digest; 32],
                now,
            )
        };
        let base = k(1, 2, Some(3), 4, Some(5));
        assert_eq!(base, k(1, 2, Some(3), 4, Some(5)));
        for other in [
            k(9, 2, Some(3), 4, Some(5)),
            k(1, 9, Some(3), 4, Some(5)),
            k(1, 2, Some(9), 4, Some(5)),
            k(1, 2, None, 4, Some(5)),
            k(1, 2, Some(3), 9, Some(5)),
            k(1, 2, Some(3), 4, Some(6)),
            k(1, 2, Some(3), 4, None),
        ] {
            assert_ne!(base, other);
        }
        assert_ne!(
            key_fingerprint("pkix", "A", b"k"),
            key_fingerprint("pkix", "B", b"k")
        );
        assert_ne!(
            key_fingerprint("pkix", "AB", b"k"),
            key_fingerprint("pkix", "A", b"Bk")
        );
    }

    #[test]
    fn the_cache_never_holds_more_than_its_capacity() {
        // Fewer checks under miri, which interprets a thousand times slower.
        let checks = if cfg!(miri) { 40 } else { 1000 };
        for capacity in [1, 2, 3, 10, 101] {
            let cache = VerificationCache::new(capacity);
            for n in 0..checks {
                cache.get_or_check(key(n), || rejected(n));
                assert!(cache.stats().entries <= capacity, "capacity {capacity}");
            }
            let stats = cache.stats();
            assert_eq!(stats.misses, checks as u64);
            assert_eq!(stats.evictions as usize + stats.entries, checks as usize);
        }
    }

    #[test]
    fn an_entry_in_use_survives_a_stream_of_new_ones() {
        let cache = VerificationCache::new(10);
        cache.get_or_check(key(0), accepted);
        for n in 1..if cfg!(miri) { 30 } else { 500 } {
            cache.get_or_check(key(n), || rejected(n));
            let (outcome, hit) = cache.get_or_check(key(0), || rejected(0));
            assert_eq!((outcome, hit), (accepted(), true), "after {n} insertions");
        }
    }

    #[test]
    fn capacity_zero_never_caches() {
        let cache = VerificationCache::new(0);
        for _ in 0..3 {
            assert_eq!(
                cache.get_or_check(key(1), || rejected(1)),
                (rejected(1), false)
            );
        }
        let stats = cache.stats();
        assert_eq!((stats.hits, stats.misses, stats.entries), (0, 3, 0));
    }
}
