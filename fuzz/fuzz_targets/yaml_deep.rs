//! binauthz's YAML loader on documents built to be deep and tangled: flow and block nesting
//! thousands of levels deep (closed or not), anchors and aliases (undefined, recursive,
//! redefined), merge keys, tags, every scalar style, several documents. Asserts:
//!
//! - nothing panics, and every refusal has a message;
//! - a document that loads nests at most 64 levels and costs at most the size budget;
//! - a document without merge keys, tags or integers beyond 64 bits that serde_yaml 0.9 (the
//!   reader binauthz used before) loads within the limits loads to the same value.
//!
//! The loader is private to binauthz-core, so this target compiles its module directly.
#![no_main]

use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use serde::Deserialize as _;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

#[path = "../../binauthz-core/src/text/yaml/mod.rs"]
#[allow(
    dead_code,
    reason = "the target uses the loader's reading functions only"
)]
mod yaml;

/// What the loader takes from binauthz-core's crate root.
mod limits {
    pub(crate) use binauthz_core::limits::MAX_DEPTH;
}

use binauthz_core::limits::MAX_DEPTH;

/// The size budget: smaller than a request's 8 MiB, so that alias expansions reach it in
/// microseconds rather than milliseconds; the loader treats every budget alike.
const BUDGET: usize = 256 * 1024;

/// Up to three documents, one stream.
#[derive(Arbitrary, Debug)]
struct Input {
    documents: Vec<Document>,
}

/// One document, with or without `---`.
#[derive(Arbitrary, Debug)]
struct Document {
    explicit_start: bool,
    root: Node,
}

/// A node of a document.
#[derive(Arbitrary, Debug)]
enum Node {
    /// A scalar in one of its styles.
    Scalar(Scalar),
    /// A collection in brackets and braces.
    Flow(Collection),
    /// A collection on indented lines (in flow style inside flow collections).
    Block(Collection),
    /// `&aN` on the node (N modulo 8, so anchors are redefined and aliases may be recursive).
    Anchored(u8, Box<Node>),
    /// `*aN`, defined or not.
    Alias(u8),
    /// A tag on the node.
    Tagged(TagKind, Box<Node>),
    /// Thousands of levels around the node.
    Deep(Deep),
}

/// A sequence or a mapping.
#[derive(Arbitrary, Debug)]
enum Collection {
    Seq(Vec<Node>),
    Map(Vec<(Key, Node)>),
}

/// A mapping key: a scalar, the merge key `<<`, a quoted `"<<"`, or an alias.
#[derive(Arbitrary, Debug)]
enum Key {
    Scalar(Scalar),
    Merge,
    QuotedMerge,
    Alias(u8),
}

/// A plain word, a number (beyond 64 bits too), a quoted or block string, or empty.
#[derive(Arbitrary, Debug)]
enum Scalar {
    Word(u8),
    Int(i64),
    Big(u128),
    Float(f64),
    Double(String),
    Single(String),
    Literal(String),
    Empty,
}

/// Core-schema, local, non-specific and verbatim tags.
#[derive(Arbitrary, Debug)]
enum TagKind {
    Binary,
    Str,
    Int,
    Seq,
    Map,
    Custom,
    NonSpecific,
    Verbatim,
}

/// The same opening `levels` times around `inner`, closed or not.
#[derive(Arbitrary, Debug)]
struct Deep {
    shape: Shape,
    levels: u16,
    closed: bool,
    inner: Box<Node>,
}

/// What one level of a [`Deep`] node opens.
#[derive(Arbitrary, Debug)]
enum Shape {
    /// `[`
    Seq,
    /// `{a: `
    Map,
    /// `&dN [`
    AnchoredSeq,
    /// `[` and a line break
    SeqLines,
    /// `- ` (compact block sequences)
    BlockSeq,
    /// `a:` and a deeper indentation
    BlockMap,
}

/// The deepest indentation written in block style.
const MAX_BLOCK_INDENT: usize = 300;

/// Plain scalars of every type and spelling, none of which needs quotes anywhere.
const WORDS: &[&str] = &[
    "x",
    "hello world",
    "~",
    "null",
    "NULL",
    "true",
    "False",
    "yes",
    "on",
    "0",
    "-0",
    "+1",
    "0x1f",
    "0o17",
    "0b101",
    "-0x10",
    "0777",
    "1.5",
    "-.5",
    "1e3",
    ".inf",
    "-.Inf",
    ".nan",
    "1_000",
    "a.b",
    "gcr.io/a/b@sha256:00",
    "2025-03-01T12:00:00Z",
    "-",
    "a-b",
    "%x",
    "@x",
];

/// Renders an [`Input`] as YAML text, noting what serde_yaml reads differently on purpose.
#[derive(Default)]
struct Writer {
    merge: bool,
    tag: bool,
    big: bool,
    /// An anchor name used twice in one document: serde_yaml 0.9 numbers anchors by the size
    /// of its name map, so a reused name can make an alias resolve to another anchor's node.
    reused_anchor: bool,
    /// The anchor names of the current document.
    anchors: Vec<u8>,
    deep_anchors: usize,
}

impl Writer {
    fn anchor(&mut self, n: u8) -> String {
        let n = n % 8;
        self.reused_anchor |= self.anchors.contains(&n);
        self.anchors.push(n);
        format!("&a{n}")
    }

    fn scalar_flow(&mut self, s: &Scalar) -> String {
        match s {
            Scalar::Word(i) => WORDS[usize::from(*i) % WORDS.len()].to_owned(),
            Scalar::Int(i) => i.to_string(),
            Scalar::Big(i) => {
                self.big = true;
                i.to_string()
            }
            Scalar::Float(f) => format!("{f:?}"),
            Scalar::Double(s) | Scalar::Literal(s) => double_quoted(s),
            Scalar::Single(s) => {
                let s: String = s.chars().filter(|c| (' '..='~').contains(c)).collect();
                format!("'{}'", s.replace('\'', "''"))
            }
            Scalar::Empty => "~".to_owned(),
        }
    }

    fn key(&mut self, k: &Key) -> String {
        match k {
            Key::Scalar(s) => self.scalar_flow(s),
            Key::Merge => {
                self.merge = true;
                "<<".to_owned()
            }
            Key::QuotedMerge => "\"<<\"".to_owned(),
            Key::Alias(n) => format!("*a{} ", n % 8),
        }
    }

    fn tag(&mut self, t: &TagKind) -> &'static str {
        self.tag = true;
        match t {
            TagKind::Binary => "!!binary",
            TagKind::Str => "!!str",
            TagKind::Int => "!!int",
            TagKind::Seq => "!!seq",
            TagKind::Map => "!!map",
            TagKind::Custom => "!custom",
            TagKind::NonSpecific => "!",
            TagKind::Verbatim => "!<tag:example.com,2000:x>",
        }
    }

    /// A node in flow style.
    fn flow(&mut self, node: &Node) -> String {
        match node {
            Node::Scalar(s) => self.scalar_flow(s),
            Node::Flow(c) | Node::Block(c) => match c {
                Collection::Seq(items) => {
                    let items: Vec<String> = items.iter().map(|n| self.flow(n)).collect();
                    format!("[{}]", items.join(", "))
                }
                Collection::Map(entries) => {
                    let entries: Vec<String> = entries
                        .iter()
                        .map(|(k, v)| format!("{}: {}", self.key(k), self.flow(v)))
                        .collect();
                    format!("{{{}}}", entries.join(", "))
                }
            },
            Node::Anchored(n, inner) => {
                let anchor = self.anchor(*n);
                format!("{anchor} {}", self.flow(inner))
            }
            Node::Alias(n) => format!("*a{}", n % 8),
            Node::Tagged(t, inner) => format!("{} {}", self.tag(t), self.flow(inner)),
            Node::Deep(d) => self.deep(d, None),
        }
    }

    /// A node as the value after `- ` or `key:` at `indent`: block collections start on the
    /// next line.
    fn block(&mut self, node: &Node, indent: usize) -> String {
        // Past this, every line of a block collection would carry the indentation: megabytes
        // of spaces that slow the target without reaching new code. Flow style fits anywhere.
        if indent > MAX_BLOCK_INDENT {
            return self.flow(node);
        }
        let pad = " ".repeat(indent);
        match node {
            Node::Block(Collection::Seq(items)) if !items.is_empty() => {
                let lines: Vec<String> = items
                    .iter()
                    .map(|n| format!("{pad}-{}", self.after(n, indent + 2)))
                    .collect();
                format!("\n{}", lines.join("\n"))
            }
            Node::Block(Collection::Map(entries)) if !entries.is_empty() => {
                let lines: Vec<String> = entries
                    .iter()
                    .map(|(k, v)| format!("{pad}{}:{}", self.key(k), self.after(v, indent + 2)))
                    .collect();
                format!("\n{}", lines.join("\n"))
            }
            Node::Scalar(Scalar::Literal(s)) if indent > 0 => {
                let lines: Vec<String> = s
                    .lines()
                    .map(|l| {
                        let l: String = l.chars().filter(|c| (' '..='~').contains(c)).collect();
                        format!("{pad}{}", l.trim_start())
                    })
                    .filter(|l| l.len() > indent)
                    .collect();
                if lines.is_empty() {
                    "''".to_owned()
                } else {
                    format!("|\n{}", lines.join("\n"))
                }
            }
            Node::Scalar(Scalar::Empty) => String::new(),
            Node::Anchored(n, inner) => {
                let anchor = self.anchor(*n);
                let body = self.block(inner, indent);
                joined(&anchor, &body)
            }
            Node::Tagged(t, inner) => {
                let tag = self.tag(t);
                let body = self.block(inner, indent);
                joined(tag, &body)
            }
            Node::Deep(d) => self.deep(d, Some(indent)),
            other => self.flow(other),
        }
    }

    /// A node after `-` or `key:`, with a space when it stays on the line.
    fn after(&mut self, node: &Node, indent: usize) -> String {
        let body = self.block(node, indent);
        if body.is_empty() || body.starts_with('\n') {
            body
        } else {
            format!(" {body}")
        }
    }

    /// A deep shape; `indent` is `Some` in block context.
    fn deep(&mut self, d: &Deep, indent: Option<usize>) -> String {
        let levels = usize::from(d.levels) % 3000;
        match (&d.shape, indent) {
            (Shape::BlockSeq, Some(indent)) => {
                // A block sequence starts on a line of its own.
                let inner = self.block(&d.inner, indent + 2 * levels);
                format!("\n{}{}{inner}", " ".repeat(indent), "- ".repeat(levels))
            }
            (Shape::BlockMap, Some(indent)) => {
                // Each level indents by one more space: quadratic text, so fewer levels.
                let levels = levels % 200;
                let mut text = String::new();
                for i in 0..levels {
                    text.push_str(&format!("\n{}a:", " ".repeat(indent + i)));
                }
                let inner = self.after(&d.inner, indent + levels + 1);
                format!("{text}{inner}")
            }
            (shape, _) => {
                let (open, close) = match shape {
                    Shape::Map => ("{a: ".to_owned(), "}"),
                    Shape::SeqLines => ("[\n".to_owned(), "]"),
                    Shape::AnchoredSeq => (String::new(), "]"),
                    _ => ("[".to_owned(), "]"),
                };
                let mut text = String::new();
                for _ in 0..levels {
                    if matches!(shape, Shape::AnchoredSeq) {
                        text.push_str(&format!("&d{} [", self.deep_anchors));
                        self.deep_anchors += 1;
                    } else {
                        text.push_str(&open);
                    }
                }
                text.push_str(&self.flow(&d.inner));
                if d.closed {
                    text.push_str(&close.repeat(levels));
                }
                text
            }
        }
    }

    fn document(&mut self, doc: &Document) -> String {
        self.anchors.clear();
        let body = self.block(&doc.root, 0);
        match (body.strip_prefix('\n'), doc.explicit_start) {
            (Some(block), false) => format!("{block}\n"),
            (Some(block), true) => format!("---\n{block}\n"),
            (None, _) => format!("--- {body}\n"),
        }
    }
}

/// A node property (anchor or tag) before a body that may start on the next line.
fn joined(property: &str, body: &str) -> String {
    if body.starts_with('\n') {
        format!("{property}{body}")
    } else {
        format!("{property} {body}")
    }
}

/// A double-quoted scalar with everything but printable ASCII escaped, so that YAML 1.1 and 1.2
/// readers (which disagree on line breaks such as U+2028) read the same text.
fn double_quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            ' '..='~' => out.push(c),
            c if u32::from(c) <= 0xFFFF => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push_str(&format!("\\U{:08X}", u32::from(c))),
        }
    }
    out.push('"');
    out
}

/// The deepest run of open brackets, quotes ignored: a bound on what libyaml (quadratic in flow
/// nesting) is asked to parse.
fn bracket_depth(text: &str) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
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

/// What binauthz's document reader counts for a value (spec/README.md §1).
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

/// Levels of arrays and objects; 0 for a scalar.
fn height(value: &Value) -> usize {
    match value {
        Value::Array(items) => 1 + items.iter().map(height).max().unwrap_or(0),
        Value::Object(map) => 1 + map.values().map(height).max().unwrap_or(0),
        _ => 0,
    }
}

/// serde_yaml deserialized into this was binauthz's YAML reader: any value, duplicate keys
/// refused, keys as their scalar's text (a copy of binauthz-core's private `document::Strict`).
struct Old(Value);

impl<'de> de::Deserialize<'de> for Old {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(OldVisitor).map(Old)
    }
}

/// Builds an [`Old`] value.
struct OldVisitor;

impl<'de> Visitor<'de> for OldVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(Old(v)) = seq.next_element()? {
            items.push(v);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let Old(value) = map.next_value()?;
            if out.insert(key.clone(), value).is_some() {
                return Err(de::Error::custom(format_args!("duplicate key `{key}`")));
            }
        }
        Ok(Value::Object(out))
    }
}

/// serde_yaml's reading of a stream, when it succeeds within the limits that guarantee the new
/// loader's budget suffices: copies kept for anchors cost at most 64 times the value, so the
/// value may cost a 65th of the budget.
fn old_reading(text: &str) -> Option<Vec<Value>> {
    let values = serde_yaml::Deserializer::from_str(text)
        .map(|d| Old::deserialize(d).map(|v| v.0))
        .collect::<Result<Vec<_>, _>>()
        .ok()?;
    let within = values.iter().all(|v| height(v) <= MAX_DEPTH)
        && values.iter().map(cost).sum::<usize>() <= BUDGET / 65;
    within.then_some(values)
}

fuzz_target!(|input: Input| {
    let mut writer = Writer::default();
    let mut text = String::new();
    for doc in input.documents.iter().take(3) {
        let rendered = writer.document(doc);
        if !text.is_empty() && !rendered.starts_with("---") {
            text.push_str("---\n");
        }
        text.push_str(&rendered);
    }
    let new = yaml::to_json_values_within(&text, BUDGET);
    match &new {
        Ok(values) => {
            for v in values {
                assert!(
                    height(v) <= MAX_DEPTH,
                    "{text:?} nests {} levels",
                    height(v)
                );
            }
            let total: usize = values.iter().map(cost).sum();
            assert!(total <= BUDGET, "{text:?} costs {total}");
        }
        Err(e) => assert!(!e.message().is_empty()),
    }
    let one = yaml::to_json_value_within(&text, BUDGET);
    if let (Ok(values), Ok(value)) = (&new, &one) {
        assert_eq!(values.len(), 1, "{text:?}");
        assert_eq!(values.first(), Some(value), "{text:?}");
    }
    if writer.merge
        || writer.tag
        || writer.big
        || writer.reused_anchor
        || bracket_depth(&text) > 200
    {
        return;
    }
    // The loader may refuse what serde_yaml read (YAML 1.2's stricter plain scalars such as
    // `[-, a]`, a key missing before `:`, the floor of 8 per value against the budget): failing
    // closed. What it reads must read the same.
    if let (Some(old), Ok(values)) = (old_reading(&text), new) {
        assert_eq!(values, old, "{text:?}");
    }
});
