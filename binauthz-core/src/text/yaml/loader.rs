//! Parser events in, JSON values out, with every limit enforced at the event that breaks it.
//!
//! Nesting is counted as collections open, so a document nesting 100,000 levels stops at the
//! 65th. Size is counted as values are built, in the units of the document reader's size check,
//! and an alias is paid for before its copy is made, so an alias bomb stops before it uses the
//! memory it asks for.

use std::collections::HashMap;

use serde_json::Value;

use super::backend::{Event, ScalarStyle, Tag};
use super::mapping::{Key, Mapping};
use super::scalar::{self, OutOfRange};
use super::{Error, Mark};
use crate::limits::MAX_DEPTH;

/// The least any value costs: about what a value takes in memory, in eighths. Without a floor,
/// two million one-letter strings (`[a,a,a,…]`, 8 MiB) cost the budget 3 bytes each but took
/// 90 bytes each to hold, 370 MiB in all; with it, a document within the budget holds at most a
/// million values (spec §1).
const MIN_COST: usize = 8;
/// What an array or object costs, besides its contents.
const CONTAINER_COST: usize = MIN_COST;
/// What null, a boolean or a number costs.
const LEAF_COST: usize = MIN_COST;

/// What a string value costs: its length and quotes, and at least [`MIN_COST`].
fn string_cost(s: &str) -> usize {
    s.len().saturating_add(2).max(MIN_COST)
}

/// What an object key costs: its length, quotes and colon, and at least [`MIN_COST`].
fn key_cost(k: &str) -> usize {
    k.len().saturating_add(3).max(MIN_COST)
}

/// A collection being read.
struct Frame {
    /// Its anchor id, 0 for none.
    anchor: usize,
    /// Where it starts.
    mark: Mark,
    /// What its value costs so far: itself, its keys and its finished children.
    cost: usize,
    /// The height of its tallest child so far (0 when it has none, or only scalars).
    child_height: usize,
    /// What it holds so far.
    items: Items,
}

/// The contents of a [`Frame`].
enum Items {
    /// A sequence's finished items.
    Sequence(Vec<Value>),
    /// A mapping's finished entries and the key it is reading.
    Mapping(Mapping),
}

/// What an anchor names, kept for its aliases.
enum Anchored {
    /// A scalar keeps its text, so that an alias can be a key (as the text) or a value
    /// (resolved, as the scalar itself is).
    Scalar {
        /// The scalar as written (quotes and escapes resolved).
        text: String,
        /// Whether it was plain, and so is resolved to null, a boolean or a number.
        plain: bool,
    },
    /// A collection keeps its value, what the value costs, and its height (1 when flat).
    Collection {
        /// The collection's value.
        value: Value,
        /// What one copy costs.
        cost: usize,
        /// Levels of arrays and objects.
        height: usize,
    },
}

/// A finished node on its way into its parent.
struct Node {
    /// The node's value.
    value: Value,
    /// What the value costs.
    cost: usize,
    /// 0 for a scalar, 1 + the tallest child for a collection.
    height: usize,
    /// Whether it is an alias's copy (a merge value must then be a mapping).
    from_alias: bool,
    /// Where it starts.
    mark: Mark,
}

/// The size budget of a whole stream.
struct Budget {
    /// What everything may cost.
    max_bytes: usize,
    /// Every value built so far, and every copy kept for aliases.
    used: usize,
}

impl Budget {
    /// Counts `cost` against the budget.
    fn pay(&mut self, cost: usize) -> Result<(), Error> {
        self.used = self.used.saturating_add(cost);
        if self.used > self.max_bytes {
            return Err(Error::too_large(self.max_bytes));
        }
        Ok(())
    }
}

/// Builds JSON values from the events of a YAML stream, one document at a time.
pub(super) struct Loader {
    /// The size budget, shared by every document of the stream.
    budget: Budget,
    /// The open collections, outermost first.
    stack: Vec<Frame>,
    /// The anchors of the current document that are finished, by the parser's anchor id.
    anchors: HashMap<usize, Anchored>,
}

/// The innermost open mapping, when it is waiting for a key.
fn mapping_wanting_key(stack: &mut [Frame]) -> Option<&mut Mapping> {
    match stack.last_mut() {
        Some(Frame {
            items: Items::Mapping(m),
            ..
        }) if m.wants_key() => Some(m),
        _ => None,
    }
}

impl Loader {
    /// A loader whose values may cost `max_bytes` in all.
    pub(super) fn new(max_bytes: usize) -> Self {
        Loader {
            budget: Budget { max_bytes, used: 0 },
            stack: Vec::new(),
            anchors: HashMap::new(),
        }
    }

    /// Takes the next event (which starts at `mark`); returns a document when one is complete.
    pub(super) fn event(&mut self, event: Event<'_>, mark: Mark) -> Result<Option<Value>, Error> {
        match event {
            Event::DocumentStart(_) => {
                // Anchors are per document; the parser keeps them for the whole stream.
                self.anchors.clear();
                Ok(None)
            }
            Event::Scalar(text, style, anchor, tag) => {
                refuse_tag(tag.as_deref(), mark)?;
                self.scalar(text.into_owned(), style == ScalarStyle::Plain, anchor, mark)
            }
            Event::SequenceStart(anchor, tag) => {
                refuse_tag(tag.as_deref(), mark)?;
                self.open(anchor, mark, Items::Sequence(Vec::new()))
            }
            Event::MappingStart(anchor, tag) => {
                refuse_tag(tag.as_deref(), mark)?;
                self.open(anchor, mark, Items::Mapping(Mapping::new()))
            }
            Event::SequenceEnd | Event::MappingEnd => self.close(mark),
            Event::Alias(id) => self.alias(id, mark),
            Event::Nothing | Event::StreamStart | Event::StreamEnd | Event::DocumentEnd => Ok(None),
        }
    }

    /// A scalar: a key when its mapping waits for one, else a value.
    fn scalar(
        &mut self,
        text: String,
        plain: bool,
        anchor: usize,
        mark: Mark,
    ) -> Result<Option<Value>, Error> {
        if anchor != 0 {
            let kept = Anchored::Scalar {
                text: text.clone(),
                plain,
            };
            self.anchors.insert(anchor, kept);
        }
        if mapping_wanting_key(&mut self.stack).is_some() {
            if plain && text.is_empty() {
                // `: value` with nothing before the colon: YAML 1.2 reads a null key, libyaml
                // (kubectl's and gcloud's readers) refuses it. Refuse it too.
                return Err(Error::syntax(
                    "a mapping key is missing before `:` (quote an empty key as \"\")",
                    mark,
                ));
            }
            let key = if plain && text == "<<" {
                Key::Merge
            } else {
                Key::Named(text)
            };
            return self.key(key, mark);
        }
        let value = scalar_value(text, plain, mark)?;
        let cost = leaf_cost(&value);
        self.budget.pay(cost)?;
        self.deliver(Node {
            value,
            cost,
            height: 0,
            from_alias: false,
            mark,
        })
    }

    /// A key's text is the scalar as written, whatever it would mean as a value: `1:` and
    /// `true:` are the keys "1" and "true", as serde_yaml read them into string keys.
    fn key(&mut self, key: Key, mark: Mark) -> Result<Option<Value>, Error> {
        let cost = match &key {
            Key::Named(text) => key_cost(text),
            Key::Merge => 0,
        };
        self.budget.pay(cost)?;
        if let Some(frame) = self.stack.last_mut() {
            frame.cost = frame.cost.saturating_add(cost);
        }
        if let Some(mapping) = mapping_wanting_key(&mut self.stack) {
            mapping.key(key, mark)?;
        }
        Ok(None)
    }

    /// A sequence or mapping starts: one level deeper.
    fn open(&mut self, anchor: usize, mark: Mark, items: Items) -> Result<Option<Value>, Error> {
        if mapping_wanting_key(&mut self.stack).is_some() {
            let what = match items {
                Items::Sequence(_) => "a sequence",
                Items::Mapping(_) => "a mapping",
            };
            return Err(Error::syntax(
                format_args!("{what} as a mapping key (keys must be scalars)"),
                mark,
            ));
        }
        if self.stack.len() >= MAX_DEPTH {
            return Err(Error::too_deep());
        }
        self.budget.pay(CONTAINER_COST)?;
        self.stack.push(Frame {
            anchor,
            mark,
            cost: CONTAINER_COST,
            child_height: 0,
            items,
        });
        Ok(None)
    }

    /// The innermost collection ends: it becomes a node of its parent.
    fn close(&mut self, mark: Mark) -> Result<Option<Value>, Error> {
        let Some(frame) = self.stack.pop() else {
            return Err(Error::syntax(
                "the end of a collection that is not open",
                mark,
            ));
        };
        let value = match frame.items {
            Items::Sequence(items) => Value::Array(items),
            Items::Mapping(mapping) => Value::Object(mapping.finish(mark)?),
        };
        let height = frame.child_height.saturating_add(1);
        if frame.anchor != 0 {
            // The copy kept for aliases is paid for too: nested anchors would otherwise keep up
            // to 64 copies of one subtree without a byte of them being counted.
            self.budget.pay(frame.cost)?;
            let kept = Anchored::Collection {
                value: value.clone(),
                cost: frame.cost,
                height,
            };
            self.anchors.insert(frame.anchor, kept);
        }
        self.deliver(Node {
            value,
            cost: frame.cost,
            height,
            from_alias: false,
            mark: frame.mark,
        })
    }

    /// A copy of the node anchor `id` names, as a key or a value.
    fn alias(&mut self, id: usize, mark: Mark) -> Result<Option<Value>, Error> {
        let wants_key = mapping_wanting_key(&mut self.stack).is_some();
        let node = match self.anchors.get(&id) {
            None => {
                let what = if self.stack.iter().any(|f| f.anchor == id) {
                    "an alias inside the node its anchor names"
                } else {
                    "an alias to an anchor that this document does not define"
                };
                return Err(Error::syntax(what, mark));
            }
            Some(Anchored::Collection { .. }) if wants_key => {
                return Err(Error::syntax(
                    "an alias to a collection as a mapping key (keys must be scalars)",
                    mark,
                ));
            }
            Some(Anchored::Scalar { text, plain }) if wants_key => {
                if *plain && text == "<<" {
                    // go-yaml v2 reads this as the key "<<", PyYAML as a merge key.
                    return Err(Error::invalid(format!(
                        "the key at {mark} is an alias to a plain `<<`, which YAML readers \
                         read differently: write `<<` itself"
                    )));
                }
                let key = Key::Named(text.clone());
                return self.key(key, mark);
            }
            Some(Anchored::Scalar { text, plain }) => {
                let value = scalar_value(text.clone(), *plain, mark)?;
                let cost = leaf_cost(&value);
                self.budget.pay(cost)?;
                Node {
                    value,
                    cost,
                    height: 0,
                    from_alias: true,
                    mark,
                }
            }
            Some(Anchored::Collection {
                value,
                cost,
                height,
            }) => {
                // Paid for before it is copied, so that an alias bomb is refused before it
                // uses the memory it asks for.
                self.budget.pay(*cost)?;
                Node {
                    value: value.clone(),
                    cost: *cost,
                    height: *height,
                    from_alias: true,
                    mark,
                }
            }
        };
        self.deliver(node)
    }

    /// Puts a finished node into its parent; a node without a parent is a finished document.
    fn deliver(&mut self, node: Node) -> Result<Option<Value>, Error> {
        let depth = self.stack.len();
        let Some(parent) = self.stack.last_mut() else {
            return Ok(Some(node.value));
        };
        // What the node adds to the parent's height: itself, or (as a merge value) the entries
        // it gives the parent, which sit one level higher (two, from a sequence of mappings).
        let added = match (&parent.items, &node.value) {
            (Items::Mapping(m), Value::Array(_)) if m.wants_merge() => {
                node.height.saturating_sub(2)
            }
            (Items::Mapping(m), _) if m.wants_merge() => node.height.saturating_sub(1),
            _ => node.height,
        };
        if depth.saturating_add(added) > MAX_DEPTH {
            return Err(Error::too_deep());
        }
        parent.child_height = parent.child_height.max(added);
        parent.cost = parent.cost.saturating_add(node.cost);
        match &mut parent.items {
            Items::Sequence(items) => items.push(node.value),
            Items::Mapping(mapping) => mapping.value(node.value, node.from_alias, node.mark)?,
        }
        Ok(None)
    }
}

/// The value of a scalar: resolved when plain, a string otherwise.
fn scalar_value(text: String, plain: bool, mark: Mark) -> Result<Value, Error> {
    if !plain {
        return Ok(Value::String(text));
    }
    scalar::resolve_plain(&text).map_err(|OutOfRange| {
        Error::invalid(format!(
            "integer `{text}` at {mark} does not fit in 64 bits (binauthz reads no larger \
             integer): quote it to make it a string"
        ))
    })
}

/// What a scalar's value costs.
fn leaf_cost(value: &Value) -> usize {
    match value {
        Value::String(s) => string_cost(s),
        _ => LEAF_COST,
    }
}

/// Tags are refused everywhere (spec/README.md §1): binauthz reads plain data, and a tag either
/// changes what a scalar means (`!!str 1`, `!!binary`) or asks for a type nothing here has.
fn refuse_tag(tag: Option<&Tag>, mark: Mark) -> Result<(), Error> {
    let Some(tag) = tag else {
        return Ok(());
    };
    let spelled = if tag.is_yaml_core_schema() {
        format!("!!{}", tag.suffix)
    } else if tag.handle == "!" {
        format!("!{}", tag.suffix)
    } else if tag.handle.is_empty() && tag.suffix == "!" {
        "!".to_owned()
    } else {
        format!("!<{}{}>", tag.handle, tag.suffix)
    };
    Err(Error::invalid(format!(
        "tag `{spelled}` at {mark}: YAML tags are not accepted"
    )))
}
