//! A mapping being read: its keys, duplicate keys, and YAML 1.1 merge keys (`<<`).
//!
//! Merge keys are resolved because the readers our documents are written for resolve them:
//! kubectl reads manifests with go-yaml v2 (through sigs.k8s.io/yaml) and gcloud reads policies
//! with PyYAML/ruamel. A reader that kept `<<` as a literal key would evaluate a pod without the
//! containers merged into it. Their rules, which this follows:
//!
//! - the key is the plain (unquoted, untagged) scalar `<<`; a quoted `"<<"` is an ordinary key;
//! - its value is a mapping, an alias to a mapping, or a sequence of mappings (or aliases to
//!   them); anything else, including an alias to a sequence, is an error (go-yaml v2's rule);
//! - in a sequence, an earlier mapping's key wins over a later one's (both readers);
//! - a key written explicitly after the `<<` wins over the merged one (both readers).
//!
//! Where the readers disagree, the document is refused rather than read one way: go-yaml v2
//! applies a merge at its position, so a merged key overrides the same key written *before* the
//! `<<`, while PyYAML and go-yaml v3 keep the explicit one. Two `<<` keys in one mapping are a
//! duplicate key, as any other.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::{Error, Mark};

/// A mapping key as read: an ordinary key, or a merge key.
pub(super) enum Key {
    /// An ordinary key: a scalar's text.
    Named(String),
    /// The plain scalar `<<`.
    Merge,
}

/// What the mapping is waiting for.
enum Pending {
    /// A key.
    Key,
    /// The value of this key.
    Value(String),
    /// The value of a merge key written at this position.
    Merge(Mark),
}

/// A mapping whose entries are still being read.
pub(super) struct Mapping {
    /// The entries read so far, explicit and merged.
    entries: Map<String, Value>,
    /// What comes next.
    pending: Pending,
    /// `None` until a `<<` has been merged; then the keys it supplied that no explicit key has
    /// replaced yet.
    merged: Option<BTreeSet<String>>,
}

impl Mapping {
    /// An empty mapping waiting for its first key.
    pub(super) fn new() -> Self {
        Mapping {
            entries: Map::new(),
            pending: Pending::Key,
            merged: None,
        }
    }

    /// Whether the next node is a key.
    pub(super) fn wants_key(&self) -> bool {
        matches!(self.pending, Pending::Key)
    }

    /// Whether the next node is the value of a merge key.
    pub(super) fn wants_merge(&self) -> bool {
        matches!(self.pending, Pending::Merge(_))
    }

    /// Takes the key at `mark`. A key already written explicitly is a duplicate; a key supplied
    /// by a merge is replaced by the explicit value that follows.
    pub(super) fn key(&mut self, key: Key, mark: Mark) -> Result<(), Error> {
        self.pending = match key {
            Key::Merge if self.merged.is_some() => return Err(duplicate("<<", mark)),
            Key::Merge => Pending::Merge(mark),
            Key::Named(name) => {
                let was_merged = self.merged.as_mut().is_some_and(|m| m.remove(&name));
                if !was_merged && self.entries.contains_key(&name) {
                    return Err(duplicate(&name, mark));
                }
                Pending::Value(name)
            }
        };
        Ok(())
    }

    /// Takes the value (at `at`) of the pending key. `from_alias` says the value is an alias,
    /// which as a merge value must be a mapping.
    pub(super) fn value(&mut self, value: Value, from_alias: bool, at: Mark) -> Result<(), Error> {
        match std::mem::replace(&mut self.pending, Pending::Key) {
            Pending::Value(name) => {
                self.entries.insert(name, value);
                Ok(())
            }
            Pending::Merge(mark) => self.merge(value, from_alias, mark),
            // The parser alternates keys and values; a value without a key would be its bug.
            Pending::Key => Err(Error::syntax("a mapping value without a key", at)),
        }
    }

    /// The finished mapping.
    pub(super) fn finish(self, mark: Mark) -> Result<Map<String, Value>, Error> {
        match self.pending {
            Pending::Key => Ok(self.entries),
            Pending::Value(_) | Pending::Merge(_) => {
                Err(Error::syntax("a mapping key without a value", mark))
            }
        }
    }

    /// Adds the entries of a merge value given at `mark`.
    fn merge(&mut self, value: Value, from_alias: bool, mark: Mark) -> Result<(), Error> {
        let sources = match value {
            Value::Object(map) => vec![map],
            Value::Array(items) if !from_alias => items
                .into_iter()
                .map(|item| match item {
                    Value::Object(map) => Ok(map),
                    other => Err(not_mergeable(&other, "a sequence holding ", mark)),
                })
                .collect::<Result<Vec<_>, _>>()?,
            other => return Err(not_mergeable(&other, "", mark)),
        };
        let mut merged = BTreeSet::new();
        for source in sources {
            for (name, value) in source {
                if merged.contains(&name) {
                    continue;
                }
                if self.entries.contains_key(&name) {
                    return Err(Error::invalid(format!(
                        "key `{name}` is written before the `<<` merge at {mark} that also \
                         supplies it, and YAML readers disagree on which of the two wins: \
                         write the key after the `<<`"
                    )));
                }
                merged.insert(name.clone());
                self.entries.insert(name, value);
            }
        }
        self.merged = Some(merged);
        Ok(())
    }
}

/// The error for a key written twice.
fn duplicate(name: &str, mark: Mark) -> Error {
    Error::syntax(format_args!("duplicate key `{name}` in one object"), mark)
}

/// The error for a merge value that is not mappings; `context` says where `value` was.
fn not_mergeable(value: &Value, context: &str, mark: Mark) -> Error {
    // `text::document::shape::kind_of`'s words; this module compiles alone in a fuzz target,
    // so it keeps its own table.
    let found = match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a sequence",
        Value::Object(_) => "a mapping",
    };
    Error::syntax(
        format_args!(
            "the `<<` merge key needs a mapping or a sequence of mappings (or aliases to \
             mappings), found {context}{found}"
        ),
        mark,
    )
}
