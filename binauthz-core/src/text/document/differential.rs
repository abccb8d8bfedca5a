//! The loader against the YAML reader binauthz used before it: serde_yaml 0.9 deserializing
//! into the document reader's `Strict` value (duplicate keys refused), then the depth and size
//! checks that followed it. Every document either reads the same in both or fails in both,
//! except where binauthz now differs on purpose:
//!
//! - tags are refused (serde_yaml read `!!str 1` as "1" and `!!binary x` as "x");
//! - `<<` is a merge key (serde_yaml kept it as a literal key);
//! - integers beyond 64 bits are refused (serde_yaml refused most, but read longer ones as
//!   floats or strings);
//! - an anchor name used twice in one document: an alias names the most recent node with that
//!   anchor, as YAML says; serde_yaml numbered anchors by the size of its name map, so after a
//!   reused name an alias could resolve to another anchor's node (see the test below).
//!
//! The property test generates none of them (its anchor names are unique).

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use serde::Deserialize as _;
use serde_json::{Map, Value};

use super::Strict;
use crate::limits::{MAX_DEPTH, MAX_REQUEST_BYTES};
use crate::text::yaml::{ErrorKind, to_json_value_within, to_json_values_within};

/// What the document reader's old size check counted for a value.
fn cost(value: &Value) -> usize {
    match value {
        Value::String(s) => s.len() + 2,
        Value::Array(items) => 2 + items.iter().map(cost).sum::<usize>(),
        Value::Object(map) => {
            2 + map
                .iter()
                .map(|(k, v)| k.len() + 3 + cost(v))
                .sum::<usize>()
        }
        _ => 8,
    }
}

/// Levels of arrays and objects: 0 for a scalar.
fn height(value: &Value) -> usize {
    match value {
        Value::Array(items) => 1 + items.iter().map(height).max().unwrap_or(0),
        Value::Object(map) => 1 + map.values().map(height).max().unwrap_or(0),
        _ => 0,
    }
}

/// The checks that followed serde_yaml in the old document reader.
fn old_limits(value: Value) -> Result<Value, String> {
    if height(&value) > MAX_DEPTH {
        return Err("too deep".to_owned());
    }
    if cost(&value) > MAX_REQUEST_BYTES {
        return Err("too large".to_owned());
    }
    Ok(value)
}

/// The old reader of one document.
fn old_one(text: &str) -> Result<Value, String> {
    let value = serde_yaml::from_str::<Strict>(text).map_err(|e| e.to_string())?;
    old_limits(value.0)
}

/// The old reader of a stream.
fn old_all(text: &str) -> Result<Vec<Value>, String> {
    serde_yaml::Deserializer::from_str(text)
        .map(|d| {
            let value = Strict::deserialize(d).map_err(|e| e.to_string())?;
            old_limits(value.0)
        })
        .collect()
}

/// How the two readers compare on one text, or `None` when they agree.
fn disagreement(text: &str) -> Option<String> {
    let one = (to_json_value_within(text, MAX_REQUEST_BYTES), old_one(text));
    let all = (
        to_json_values_within(text, MAX_REQUEST_BYTES),
        old_all(text),
    );
    let one = match one {
        (Ok(new), Ok(old)) if new == old => None,
        (Err(_), Err(_)) => None,
        (new, old) => Some(format!("one document: new {new:?}, old {old:?}")),
    };
    let all = match all {
        (Ok(new), Ok(old)) if new == old => None,
        (Err(_), Err(_)) => None,
        (new, old) => Some(format!("stream: new {new:?}, old {old:?}")),
    };
    one.or(all)
}

/// Every file under `dir` with one of the extensions, recursively.
fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files(&path, out);
        } else if path.extension().is_some_and(|e| {
            ["yaml", "yml", "json", "jsonl", "bin"]
                .iter()
                .any(|x| e == *x)
        }) {
            out.push(path);
        }
    }
}

/// The deepest running count of open brackets, quotes ignored: enough to tell the few hostile
/// files that nest 100,000 levels (serde_yaml takes minutes on those; finding 4 of issue 13).
fn bracket_depth(text: &str) -> usize {
    let mut depth = 0usize;
    let mut deepest = 0;
    for b in text.bytes() {
        match b {
            b'[' | b'{' => depth += 1,
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        deepest = deepest.max(depth);
    }
    deepest
}

#[test]
#[cfg_attr(miri, ignore = "reads files")]
fn every_document_in_the_repository_reads_as_serde_yaml_read_it() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths = Vec::new();
    files(&root.join("../spec"), &mut paths);
    files(&root.join("tests"), &mut paths);
    paths.sort();
    let mut texts: Vec<(String, String)> = Vec::new();
    for path in &paths {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        let name = path
            .strip_prefix(root)
            .unwrap_or(path)
            .display()
            .to_string();
        if let Ok(Value::Object(case)) = serde_json::from_str::<Value>(&text) {
            for field in ["configText", "requestText"] {
                if let Some(Value::String(embedded)) = case.get(field) {
                    texts.push((format!("{name} {field}"), embedded.clone()));
                }
            }
        }
        texts.push((name, text));
    }
    assert!(texts.len() > 500, "{}", texts.len());
    let mut disagreements = Vec::new();
    for (name, text) in &texts {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        if bracket_depth(text) > 1000 {
            let e = to_json_values_within(text, MAX_REQUEST_BYTES).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Limit, "{name}: {e}");
            continue;
        }
        if let Some(d) = disagreement(text) {
            disagreements.push((name.clone(), d));
        }
    }
    let unexpected: Vec<_> = disagreements
        .iter()
        .filter(|(name, _)| !EXPECTED_DIFFERENCES.iter().any(|(n, _)| n == name))
        .collect();
    assert!(unexpected.is_empty(), "{unexpected:#?}");
    let names: Vec<&str> = disagreements.iter().map(|(n, _)| n.as_str()).collect();
    for (name, why) in EXPECTED_DIFFERENCES {
        assert!(
            names.contains(name),
            "{name} now reads the same ({why}): update the list"
        );
    }
}

/// The files the two readers read differently, and why.
const EXPECTED_DIFFERENCES: &[(&str, &str)] = &[
    (
        "tests/hostile/config/135-yaml-binary-tag.yaml",
        "a `!!binary` tag: refused now, read as its text before",
    ),
    (
        "tests/hostile/config/142-whitespace.yaml",
        "a tab on a blank line, which YAML 1.2 allows and libyaml refused; the document reader \
         refuses blank documents before either parser sees them",
    ),
];

#[test]
fn a_reused_anchor_name_names_its_most_recent_node_as_serde_yaml_did_not() {
    let text = "[&a 1, &b 2, &a 3, &c 4, *a]";
    let expected = serde_json::json!([1, 2, 3, 4, 3]);
    assert_eq!(to_json_value_within(text, 1000).ok(), Some(expected));
    assert_eq!(
        old_one(text),
        Ok(serde_json::json!([1, 2, 3, 4, 4])),
        "serde_yaml's reading"
    );
}

/// A generated YAML node.
#[derive(Debug, Clone)]
enum Node {
    /// A plain scalar.
    Plain(&'static str),
    /// A quoted scalar: double-quoted when the flag is set.
    Quoted(String, bool),
    /// A literal block scalar (rendered as a double-quoted one in flow style).
    Literal(&'static str),
    /// A sequence.
    Seq(Vec<Node>, Style),
    /// A mapping (keys may repeat, which both readers must refuse).
    Map(Vec<(String, Node)>, Style),
    /// This node, with an anchor.
    Anchored(Box<Node>),
    /// An alias to the `n`th finished anchor (modulo how many there are; a plain scalar when
    /// there is none yet).
    Alias(usize),
}

/// How a collection is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    /// Indented lines (flow when empty).
    Block,
    /// Brackets and braces.
    Flow,
}

/// Plain scalars of every type and spelling, none of them needing quotes in any position.
const PLAIN: &[&str] = &[
    "x",
    "hello world",
    "~",
    "null",
    "Null",
    "true",
    "False",
    "yes",
    "no",
    "on",
    "0",
    "-0",
    "1",
    "+1",
    "-17",
    "0x1f",
    "0o17",
    "0b101",
    "-0x10",
    "0777",
    "1.5",
    "-.5",
    "1e3",
    "+1e3",
    ".inf",
    "-.Inf",
    ".nan",
    "1_000",
    "18446744073709551615",
    "-9223372036854775808",
    "18446744073709551616",
    "a.b",
    "v1.2",
    "gcr.io/a/b@sha256:00",
    "2025-03-01T12:00:00Z",
];

/// Key texts, plain when they can be.
const KEYS: &[&str] = &["a", "b", "image", "1", "true", "~", "0x10", "x y", "a.b"];

/// Scalars and aliases.
fn scalar() -> impl Strategy<Value = Node> {
    prop_oneof![
        4 => proptest::sample::select(PLAIN).prop_map(Node::Plain),
        1 => ("[ -~]{0,8}", any::<bool>()).prop_map(|(s, d)| Node::Quoted(s, d)),
        1 => proptest::sample::select(&["line\n", "a\n  b\n", "x\ny\n"][..]).prop_map(Node::Literal),
        1 => (0usize..4).prop_map(Node::Alias),
    ]
}

/// Documents up to four levels deep.
fn node() -> impl Strategy<Value = Node> {
    let style = prop_oneof![Just(Style::Block), Just(Style::Flow)];
    scalar().prop_recursive(4, 40, 5, move |inner| {
        let key = proptest::sample::select(KEYS).prop_map(str::to_owned);
        prop_oneof![
            (
                proptest::collection::vec(inner.clone(), 0..5),
                style.clone()
            )
                .prop_map(|(items, s)| Node::Seq(items, s)),
            (
                proptest::collection::vec((key, inner.clone()), 0..5),
                style.clone()
            )
                .prop_map(|(entries, s)| Node::Map(entries, s)),
            inner.prop_map(|n| Node::Anchored(Box::new(n))),
        ]
    })
}

/// Renders nodes as YAML text, numbering anchors in document order.
#[derive(Default)]
struct Writer {
    /// How many anchors are finished (and so can be aliased).
    anchors: usize,
}

impl Writer {
    /// A node in flow style (or a scalar anywhere).
    fn flow(&mut self, node: &Node) -> String {
        match node {
            Node::Plain(s) => (*s).to_owned(),
            Node::Quoted(s, true) => serde_json::to_string(s).unwrap_or_default(),
            Node::Quoted(s, false) => format!("'{}'", s.replace('\'', "''")),
            Node::Literal(s) => serde_json::to_string(s).unwrap_or_default(),
            Node::Seq(items, _) => {
                let items: Vec<String> = items.iter().map(|n| self.flow(n)).collect();
                format!("[{}]", items.join(", "))
            }
            Node::Map(entries, _) => {
                let entries: Vec<String> = entries
                    .iter()
                    .map(|(k, v)| format!("{}: {}", key(k), self.flow(v)))
                    .collect();
                format!("{{{}}}", entries.join(", "))
            }
            // An alias takes no anchor, and a node takes one at most.
            Node::Anchored(inner) if matches!(**inner, Node::Alias(_) | Node::Anchored(_)) => {
                self.flow(inner)
            }
            Node::Anchored(inner) => {
                let body = self.flow(inner);
                self.anchors += 1;
                format!("&a{} {body}", self.anchors - 1)
            }
            Node::Alias(n) if self.anchors > 0 => format!("*a{}", n % self.anchors),
            Node::Alias(_) => "x".to_owned(),
        }
    }

    /// A node as the value after `- ` or `key: ` at `indent`: block collections start on the
    /// next line, indented.
    fn block(&mut self, node: &Node, indent: usize) -> String {
        match node {
            Node::Seq(items, Style::Block) if !items.is_empty() => {
                let pad = " ".repeat(indent);
                let lines: Vec<String> = items
                    .iter()
                    .map(|n| format!("{pad}-{}", self.after_indicator(n, indent + 2)))
                    .collect();
                format!("\n{}", lines.join("\n"))
            }
            Node::Map(entries, Style::Block) if !entries.is_empty() => {
                let pad = " ".repeat(indent);
                let lines: Vec<String> = entries
                    .iter()
                    .map(|(k, v)| {
                        format!("{pad}{}:{}", key(k), self.after_indicator(v, indent + 2))
                    })
                    .collect();
                format!("\n{}", lines.join("\n"))
            }
            // At the root (indent 0), libyaml ends a block scalar before its first line.
            Node::Literal(s) if indent > 0 => {
                let pad = " ".repeat(indent);
                let body: Vec<String> = s.lines().map(|l| format!("{pad}{l}")).collect();
                format!("|\n{}", body.join("\n"))
            }
            Node::Anchored(inner) if matches!(**inner, Node::Alias(_) | Node::Anchored(_)) => {
                self.block(inner, indent)
            }
            Node::Anchored(inner) if indent > 0 && matches!(**inner, Node::Literal(_)) => {
                let body = self.block(inner, indent);
                self.anchors += 1;
                format!("&a{} {body}", self.anchors - 1)
            }
            Node::Anchored(inner) => {
                let body = self.block(inner, indent);
                self.anchors += 1;
                let name = format!("&a{}", self.anchors - 1);
                if body.starts_with('\n') {
                    format!("{name}{body}")
                } else {
                    format!("{name} {body}")
                }
            }
            other => self.flow(other),
        }
    }

    /// A node after `-` or `key:`, with the separating space when it stays on the line.
    fn after_indicator(&mut self, node: &Node, indent: usize) -> String {
        let body = self.block(node, indent);
        if body.starts_with('\n') {
            body
        } else {
            format!(" {body}")
        }
    }

    /// A whole document.
    fn document(&mut self, node: &Node) -> String {
        let body = self.block(node, 0);
        match body.strip_prefix('\n') {
            Some(block) => format!("{block}\n"),
            None => format!("--- {body}\n"),
        }
    }
}

/// A key, plain when that reads back as the same text.
fn key(k: &str) -> String {
    if k.contains(' ') {
        format!("\"{k}\"")
    } else {
        k.to_owned()
    }
}

proptest! {
    // No regression file: a failure prints the document, which belongs in a named test.
    #![proptest_config(ProptestConfig {
        cases: 512,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Generated documents (block and flow, every scalar style and type, anchors and aliases,
    /// duplicate keys now and then) read the same as serde_yaml read them, or fail in both.
    #[test]
    #[cfg_attr(miri, ignore = "hundreds of documents through two parsers")]
    fn generated_documents_read_as_serde_yaml_read_them(
        first in node(),
        second in proptest::option::of(node()),
    ) {
        let mut text = Writer::default().document(&first);
        if let Some(second) = &second {
            let second = Writer::default().document(second);
            if !second.starts_with("---") {
                text.push_str("---\n");
            }
            text.push_str(&second);
        }
        prop_assert_eq!(disagreement(&text), None, "{}", text);
        // What loads respects the limits.
        if let Ok(values) = to_json_values_within(&text, MAX_REQUEST_BYTES) {
            for v in &values {
                prop_assert!(height(v) <= MAX_DEPTH);
            }
            prop_assert!(values.iter().map(cost).sum::<usize>() <= MAX_REQUEST_BYTES);
        }
    }
}

#[test]
fn the_writer_writes_what_it_means() {
    let doc = Node::Map(
        vec![
            (
                "a".to_owned(),
                Node::Anchored(Box::new(Node::Seq(vec![Node::Plain("1")], Style::Block))),
            ),
            ("b".to_owned(), Node::Alias(0)),
            ("x y".to_owned(), Node::Map(vec![], Style::Block)),
        ],
        Style::Block,
    );
    let text = Writer::default().document(&doc);
    assert_eq!(text, "a: &a0\n  - 1\nb: *a0\n\"x y\": {}\n");
    let mut expected = Map::new();
    expected.insert("a".to_owned(), serde_json::json!([1]));
    expected.insert("b".to_owned(), serde_json::json!([1]));
    expected.insert("x y".to_owned(), serde_json::json!({}));
    assert_eq!(
        to_json_value_within(&text, 1000).ok(),
        Some(Value::Object(expected))
    );
}
