//! Finding the first allowlist pattern an image matches without looking at every pattern, so a
//! policy with 10,000 patterns decides as fast as one with 10 (spec/README.md §7.1).
//!
//! Every image a pattern matches starts with the pattern's prefix (the pattern without its
//! wildcard). The index maps each prefix, by its length and a hash, to the patterns that have it;
//! an image is hashed one byte at a time, and at each length some prefix has, the patterns under
//! that length and hash are checked exactly. The cost is one pass over the image plus one lookup
//! per distinct prefix length, whatever the number of patterns. The hash is not secret: a
//! collision costs one extra string comparison, never a wrong answer.

use std::collections::HashMap;

use super::AllowlistPattern;
use crate::mix::MixState;

/// No next pattern in a chain.
const END: u32 = u32::MAX;

/// An index over a policy's allowlist patterns (at most `u32::MAX - 1` of them).
#[derive(Debug, Clone, Default)]
pub(crate) struct AllowlistIndex {
    /// `has_length[n]`: whether some pattern's prefix is `n` bytes long.
    has_length: Vec<bool>,
    /// (prefix length, prefix hash) → the first pattern (lowest position) with that key.
    heads: HashMap<(u32, u64), u32, MixState>,
    /// `next[i]`: the next pattern after `i` with the same key, in ascending position.
    next: Vec<u32>,
}

/// FNV-1a, one byte at a time: the hash of every prefix of a string in one pass.
#[derive(Clone, Copy)]
struct Fnv(u64);

impl Fnv {
    const START: Fnv = Fnv(0xcbf2_9ce4_8422_2325);

    fn push(self, byte: u8) -> Fnv {
        Fnv((self.0 ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3))
    }

    fn of(text: &str) -> u64 {
        text.bytes().fold(Fnv::START, Fnv::push).0
    }
}

impl AllowlistIndex {
    /// Indexes `patterns`; [`Self::find`] must be given the same slice.
    pub(crate) fn new(patterns: &[AllowlistPattern]) -> Self {
        let mut index = AllowlistIndex {
            has_length: Vec::new(),
            heads: HashMap::with_capacity_and_hasher(patterns.len(), MixState::default()),
            next: vec![END; patterns.len()],
        };
        // Inserting from the last pattern to the first leaves every chain in ascending order.
        for (i, pattern) in patterns.iter().enumerate().rev() {
            let (Ok(position), Ok(length)) =
                (u32::try_from(i), u32::try_from(pattern.prefix().len()))
            else {
                continue;
            };
            let prefix = pattern.prefix();
            if index.has_length.len() <= prefix.len() {
                index.has_length.resize(prefix.len() + 1, false);
            }
            if let Some(slot) = index.has_length.get_mut(prefix.len()) {
                *slot = true;
            }
            let head = index
                .heads
                .insert((length, Fnv::of(prefix)), position)
                .unwrap_or(END);
            if let Some(next) = index.next.get_mut(i) {
                *next = head;
            }
        }
        index
    }

    /// The first pattern in `patterns` (the slice this index was built from) that `image`
    /// matches, as a scan in order would find it.
    pub(crate) fn find<'p>(
        &self,
        patterns: &'p [AllowlistPattern],
        image: &str,
    ) -> Option<&'p AllowlistPattern> {
        let mut best: Option<u32> = None;
        let mut hash = Fnv::START;
        for (n, byte) in image.bytes().enumerate() {
            let length = n + 1;
            if length >= self.has_length.len() {
                break;
            }
            hash = hash.push(byte);
            if !self.has_length.get(length).copied().unwrap_or(false) {
                continue;
            }
            let Ok(key_length) = u32::try_from(length) else {
                break;
            };
            let (Some(prefix), Some(rest)) = (image.get(..length), image.get(length..)) else {
                continue;
            };
            let mut at = self
                .heads
                .get(&(key_length, hash.0))
                .copied()
                .unwrap_or(END);
            // Chains ascend, so nothing after a position at or beyond `best` can improve on it.
            while at != END && best.is_none_or(|b| at < b) {
                let Some(pattern) = patterns.get(at as usize) else {
                    break;
                };
                if pattern.prefix() == prefix && pattern.matches_rest(rest) {
                    best = Some(at);
                    break;
                }
                at = self.next.get(at as usize).copied().unwrap_or(END);
            }
        }
        best.and_then(|b| patterns.get(b as usize))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn patterns(list: &[&str]) -> Vec<AllowlistPattern> {
        list.iter()
            .map(|p| AllowlistPattern::parse(p).unwrap())
            .collect()
    }

    fn scan<'p>(patterns: &'p [AllowlistPattern], image: &str) -> Option<&'p AllowlistPattern> {
        patterns.iter().find(|p| p.matches(image))
    }

    #[test]
    fn finds_the_first_matching_pattern_as_a_scan_does() {
        let list = patterns(&[
            "gcr.io/p/app:1",
            "gcr.io/p/app*",
            "gcr.io/p/**",
            "gcr.io/p/app:1",
            "gcr.io/p/a*",
            "gcr.io/q/x@*",
            "local:*",
            "gcr.io/p**",
        ]);
        let index = AllowlistIndex::new(&list);
        for image in [
            "gcr.io/p/app:1",
            "gcr.io/p/app:2",
            "gcr.io/p/app/sub",
            "gcr.io/p/ab",
            "gcr.io/q/x@sha256:00",
            "gcr.io/q/x:1",
            "gcr.io/p-other/x",
            "local:tag",
            "local",
            "gcr.io/p",
            "g",
            "",
        ] {
            let got = index.find(&list, image).map(AllowlistPattern::as_str);
            let want = scan(&list, image).map(AllowlistPattern::as_str);
            assert_eq!(got, want, "{image}");
        }
    }

    #[test]
    fn later_patterns_win_only_when_earlier_ones_do_not_match() {
        let list = patterns(&["gcr.io/p/app:9", "gcr.io/p/**", "gcr.io/p/app*"]);
        let index = AllowlistIndex::new(&list);
        assert_eq!(
            index
                .find(&list, "gcr.io/p/app:1")
                .map(AllowlistPattern::as_str),
            Some("gcr.io/p/**")
        );
    }

    #[test]
    fn ten_thousand_patterns_agree_with_a_scan() {
        let mut text = Vec::new();
        for i in 0..10_000 {
            text.push(match i % 4 {
                0 => format!("gcr.io/team-{}/svc-{i}*", i % 37),
                1 => format!("gcr.io/team-{}/svc-{i}:1", i % 37),
                2 => format!("us-docker.pkg.dev/p{}/r/**", i % 101),
                _ => format!("gcr.io/team-{}/svc-{}@*", i % 37, i / 2),
            });
        }
        let list: Vec<AllowlistPattern> = text
            .iter()
            .map(|p| AllowlistPattern::parse(p).unwrap())
            .collect();
        let index = AllowlistIndex::new(&list);
        for i in (0..12_000).step_by(7) {
            for image in [
                format!("gcr.io/team-{}/svc-{i}:2", i % 37),
                format!("gcr.io/team-{}/svc-{i}:1", i % 37),
                format!("gcr.io/team-{}/svc-{i}/x", i % 37),
                format!("gcr.io/team-{}/svc-{i}@sha256:ab", i % 37),
                format!("us-docker.pkg.dev/p{}/r/a/b", i % 150),
            ] {
                assert_eq!(index.find(&list, &image), scan(&list, &image), "{image}");
            }
        }
    }

    #[test]
    fn an_empty_allowlist_matches_nothing() {
        let index = AllowlistIndex::new(&[]);
        assert_eq!(index.find(&[], "gcr.io/p/app"), None);
    }
}
