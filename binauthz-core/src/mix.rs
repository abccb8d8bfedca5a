//! One hasher for the engine's hash maps whose keys are already hashes, or hold them: the
//! verification cache (SHA-256 outputs) and the allowlist index (FNV hashes of prefixes). A
//! multiply-rotate mix of the key's 64-bit words is all such keys need; std's SipHash costs more
//! than the rest of a lookup (a tenth of a warm decision in the cache).

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};

/// Builds [`Mix`] hashers from a seed: [`MixState::random`] where outsiders choose the keys, so
/// that without the seed nobody can aim many of them at one bucket; the default (seed 0) where
/// the keys come from the policy author.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct MixState(u64);

impl MixState {
    /// A seed drawn from std's random hasher keys.
    pub(crate) fn random() -> Self {
        MixState(RandomState::new().hash_one(0x62_69_6e_61_75_74_68_7a_u64))
    }
}

impl BuildHasher for MixState {
    type Hasher = Mix;

    fn build_hasher(&self) -> Mix {
        Mix(self.0)
    }
}

/// See [`MixState`].
pub(crate) struct Mix(u64);

impl Hasher for Mix {
    fn finish(&self) -> u64 {
        let x = self.0;
        (x ^ (x >> 29)).wrapping_mul(0xbf58_476d_1ce4_e5b9) ^ (x >> 32)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0 ^ n)
            .wrapping_mul(0x9e37_79b9_7f4a_7c15)
            .rotate_left(31);
    }
}
