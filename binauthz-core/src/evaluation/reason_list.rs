//! A bounded list of reasons: the explanation of a decision stays readable and small however
//! many signatures failed (spec/README.md §7.2).

use crate::decision::{Reason, ReasonKind};

/// Reasons in the order they were found, at most `limit` of them plus the first of every kind
/// not yet listed (so the kinds listed are always every kind found); the rest are only counted.
/// A reason that is not listed is never built: its message costs nothing.
#[derive(Debug)]
pub(crate) struct ReasonList {
    listed: Vec<Reason>,
    omitted: u64,
    limit: usize,
}

impl ReasonList {
    /// An empty list that lists `limit` reasons (and the first of each further kind).
    pub(crate) fn new(limit: usize) -> Self {
        ReasonList {
            listed: Vec::new(),
            omitted: 0,
            limit,
        }
    }

    /// Whether a reason of `kind` found now would be listed.
    pub(crate) fn would_list(&self, kind: ReasonKind) -> bool {
        self.listed.len() < self.limit || !self.listed.iter().any(|r| r.kind == kind)
    }

    /// Lists the reason `make` builds, or counts one of `kind` as omitted; whether it was
    /// listed.
    pub(crate) fn push_with(&mut self, kind: ReasonKind, make: impl FnOnce() -> Reason) -> bool {
        if self.would_list(kind) {
            self.listed.push(make());
            true
        } else {
            self.omitted += 1;
            false
        }
    }

    /// Lists `reason`, or counts it as omitted; whether it was listed.
    pub(crate) fn push(&mut self, reason: Reason) -> bool {
        let kind = reason.kind;
        self.push_with(kind, || reason)
    }

    /// Counts `n` reasons omitted elsewhere (an attestor's own omissions, for an image).
    pub(crate) fn add_omitted(&mut self, n: u64) {
        self.omitted += n;
    }

    /// The listed reasons and the number omitted.
    pub(crate) fn into_parts(self) -> (Vec<Reason>, u64) {
        (self.listed, self.omitted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(kind: ReasonKind, n: usize) -> Reason {
        Reason::new(kind, format!("{n}"))
    }

    #[test]
    fn lists_up_to_the_limit_then_counts() {
        let mut list = ReasonList::new(3);
        for n in 0..10 {
            list.push(reason(ReasonKind::UnknownKeyId, n));
        }
        let (listed, omitted) = list.into_parts();
        assert_eq!(listed.len(), 3);
        assert_eq!(omitted, 7);
        assert_eq!(listed[2].message, "2");
    }

    #[test]
    fn the_first_reason_of_every_kind_is_listed_even_past_the_limit() {
        let mut list = ReasonList::new(2);
        for n in 0..5 {
            list.push(reason(ReasonKind::UnknownKeyId, n));
        }
        list.push(reason(ReasonKind::SignatureInvalid, 5));
        list.push(reason(ReasonKind::SignatureInvalid, 6));
        list.push(reason(ReasonKind::PayloadDigestMismatch, 7));
        let (listed, omitted) = list.into_parts();
        let kinds: Vec<ReasonKind> = listed.iter().map(|r| r.kind).collect();
        assert_eq!(
            kinds,
            [
                ReasonKind::UnknownKeyId,
                ReasonKind::UnknownKeyId,
                ReasonKind::SignatureInvalid,
                ReasonKind::PayloadDigestMismatch
            ]
        );
        assert_eq!(omitted, 4);
    }

    #[test]
    fn an_omitted_reason_is_never_built() {
        let mut list = ReasonList::new(0);
        list.push(reason(ReasonKind::NoSignatures, 0));
        list.push_with(ReasonKind::NoSignatures, || {
            unreachable!("built a reason that is not listed")
        });
        assert_eq!(list.into_parts().1, 1);
    }
}
