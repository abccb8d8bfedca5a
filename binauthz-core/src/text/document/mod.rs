//! Reading YAML or JSON documents into typed structures, with bounds and field-path errors.

use serde::de::{self, DeserializeOwned, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

pub(crate) mod shape;

use shape::kind_of;

use crate::error::{ErrorCode, InputError, InputResult};
use crate::limits::MAX_DEPTH;
use crate::text::yaml;

/// Parses `text` as JSON when it starts with `{` or `[`, as YAML otherwise, enforcing the
/// size limit `max_bytes` and the nesting limit.
pub(crate) fn parse(text: &str, max_bytes: usize) -> InputResult<Value> {
    if text.len() > max_bytes {
        return Err(InputError::new(
            ErrorCode::Limit,
            "",
            format!(
                "document is {} bytes, more than the limit of {max_bytes} bytes",
                text.len()
            ),
        ));
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        // serde_json stops at 128 levels of nesting by itself; our own limit is checked below.
        let value = json_within(text, value_budget(max_bytes))?;
        check_depth(&value)?;
        Ok(value)
    } else {
        if trimmed.is_empty() {
            return Err(InputError::new(ErrorCode::Syntax, "", "document is empty"));
        }
        // The YAML loader enforces nesting and size while it reads.
        yaml::to_json_value_within(text, value_budget(max_bytes)).map_err(yaml_error)
    }
}

/// Like [`parse`], but YAML may hold several documents (a Kubernetes manifest); JSON is one.
pub(crate) fn parse_all(text: &str, max_bytes: usize) -> InputResult<Vec<Value>> {
    if text.len() > max_bytes {
        return parse_too_large(text.len(), max_bytes).map(|v| vec![v]);
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        return parse(text, max_bytes).map(|v| vec![v]);
    }
    // One size budget for all the documents together, enforced (like nesting) while reading.
    yaml::to_json_values_within(text, value_budget(max_bytes)).map_err(yaml_error)
}

/// YAML that binauthz refuses on purpose (tags, integers beyond 64 bits, a key that YAML readers
/// merge differently; spec/README.md §1) is `invalid`, not `syntax`: it is YAML, read and refused.
fn yaml_error(e: yaml::Error) -> InputError {
    let code = match e.kind() {
        yaml::ErrorKind::Syntax => ErrorCode::Syntax,
        yaml::ErrorKind::Limit => ErrorCode::Limit,
        yaml::ErrorKind::Invalid => ErrorCode::Invalid,
    };
    InputError::new(code, "", e.message())
}

/// What the values read from a document of at most `max_bytes` may take, counted as
/// [`json_within`] and the YAML loader count them: twice the text's limit, because dense JSON
/// counts a little more than its text (a string's quotes and every value's floor of 8), and a
/// document within the text limit must read. At most two million values, about 100 MiB held.
fn value_budget(max_bytes: usize) -> usize {
    max_bytes.saturating_mul(2)
}

/// Parses JSON text, refusing duplicate keys, and counting what the values take as the YAML
/// loader does (every value at least 8 bytes, strings their length and quotes): the densest JSON
/// (`[0,0,0,…]`, four million numbers in 8 MiB) once took 200 MiB to hold; within the budget a
/// document holds at most a million values (spec §1).
fn json_within(text: &str, max_bytes: usize) -> InputResult<Value> {
    use serde::de::DeserializeSeed as _;
    let budget = ValueBudget {
        used: std::cell::Cell::new(0),
        max: max_bytes,
    };
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let parsed = StrictSeed {
        budget: Some(&budget),
    }
    .deserialize(&mut deserializer)
    .and_then(|v| deserializer.end().map(|()| v));
    parsed.map_err(|e| {
        if budget.used.get() > budget.max {
            InputError::new(ErrorCode::Limit, "", budget.message())
        } else if e.to_string().starts_with("recursion limit exceeded") {
            // serde_json's own stop at 128 levels: our nesting limit (spec §1), a `limit` error
            // like the one `check_depth` gives between 65 and 128 levels.
            InputError::new(ErrorCode::Limit, "", depth_message())
        } else {
            InputError::new(ErrorCode::Syntax, "", format!("invalid JSON: {e}"))
        }
    })
}

/// What the values of one JSON document may take, and have taken.
struct ValueBudget {
    used: std::cell::Cell<usize>,
    max: usize,
}

impl ValueBudget {
    /// Counts a value of `len` bytes of text plus `overhead`, at least 8.
    fn charge<E: de::Error>(&self, len: usize, overhead: usize) -> Result<(), E> {
        let cost = len.saturating_add(overhead).max(8);
        self.used.set(self.used.get().saturating_add(cost));
        if self.used.get() > self.max {
            return Err(E::custom(self.message()));
        }
        Ok(())
    }

    fn message(&self) -> String {
        format!(
            "document is larger than {} bytes once read (every value counts at least 8 bytes)",
            self.max
        )
    }
}

/// A JSON value that refuses duplicate object keys. serde_json and serde_yaml would otherwise
/// keep the last of two equal keys, and a policy that says two things must not mean either.
pub(crate) struct Strict(pub(crate) Value);

impl<'de> de::Deserialize<'de> for Strict {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::DeserializeSeed as _;
        StrictSeed { budget: None }
            .deserialize(deserializer)
            .map(Strict)
    }
}

/// [`Strict`], counting against a budget when it has one.
#[derive(Clone, Copy)]
struct StrictSeed<'b> {
    budget: Option<&'b ValueBudget>,
}

impl StrictSeed<'_> {
    fn charge<E: de::Error>(&self, len: usize, overhead: usize) -> Result<(), E> {
        self.budget.map_or(Ok(()), |b| b.charge(len, overhead))
    }
}

impl<'de> de::DeserializeSeed<'de> for StrictSeed<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for StrictSeed<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        self.charge(0, 0)?;
        Ok(Value::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        self.charge(0, 0)?;
        Ok(Value::Number(v.into()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        self.charge(0, 0)?;
        Ok(Value::Number(v.into()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        self.charge(0, 0)?;
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        self.charge(v.len(), 2)?;
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        self.charge(v.len(), 2)?;
        Ok(Value::String(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        self.charge(0, 0)?;
        Ok(Value::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        self.charge(0, 0)?;
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        self.charge(0, 0)?;
        let mut items = Vec::new();
        while let Some(v) = seq.next_element_seed(self)? {
            items.push(v);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        self.charge(0, 0)?;
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            self.charge(key.len(), 3)?;
            let value = map.next_value_seed(self)?;
            if out.insert(key.clone(), value).is_some() {
                return Err(de::Error::custom(format_args!(
                    "duplicate key `{key}` in one object"
                )));
            }
        }
        Ok(Value::Object(out))
    }
}

/// Parses raw bytes, rejecting non-UTF-8 input with a clear error.
pub(crate) fn parse_bytes(bytes: &[u8], max_bytes: usize) -> InputResult<Value> {
    if bytes.len() > max_bytes {
        return parse_too_large(bytes.len(), max_bytes);
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        InputError::new(
            ErrorCode::Syntax,
            "",
            format!("document is not UTF-8 text: {e}"),
        )
    })?;
    parse(text, max_bytes)
}

fn parse_too_large(len: usize, max_bytes: usize) -> InputResult<Value> {
    Err(InputError::new(
        ErrorCode::Limit,
        "",
        format!("document is {len} bytes, more than the limit of {max_bytes} bytes"),
    ))
}

/// Validates one object, or each object of an array (at most `max`, with `[i]` error paths):
/// gcloud prints one resource or a list depending on the command.
pub(crate) fn one_or_many<T>(
    value: Value,
    max: usize,
    what: &str,
    one: impl Fn(Value) -> InputResult<T>,
) -> InputResult<Vec<T>> {
    match value {
        Value::Array(items) => {
            if items.len() > max {
                return Err(InputError::new(
                    ErrorCode::Limit,
                    "",
                    format!("more than {max} {what}"),
                ));
            }
            items
                .into_iter()
                .enumerate()
                .map(|(i, v)| one(v).map_err(|e| e.within(&format!("[{i}]"))))
                .collect()
        }
        other => Ok(vec![one(other)?]),
    }
}

/// Checks that the values at `paths` are mappings when present. serde would otherwise accept a
/// sequence where a struct is expected (filling fields by position), a second syntax nobody
/// writes on purpose. Paths are `.`-separated keys; `*` is every value of a mapping and `[]`
/// every element of a sequence; the root itself is always checked.
pub(crate) fn require_mappings(value: &Value, paths: &[&str]) -> InputResult<()> {
    if !value.is_object() {
        return Err(InputError::invalid(
            "",
            format!("expected a mapping, found {}", kind_of(value)),
        ));
    }
    for path in paths {
        let mut found: Vec<(String, &Value)> = vec![(String::new(), value)];
        for segment in path.split('.') {
            let mut next = Vec::new();
            for (at, v) in found {
                match (segment, v) {
                    ("*", Value::Object(map)) => {
                        next.extend(
                            map.iter()
                                .map(|(k, c)| (crate::error::join_path(&at, k), c)),
                        );
                    }
                    ("[]", Value::Array(items)) => next.extend(
                        items
                            .iter()
                            .enumerate()
                            .map(|(i, c)| (format!("{at}[{i}]"), c)),
                    ),
                    (key, Value::Object(map)) => {
                        if let Some(c) = map.get(key) {
                            next.push((crate::error::join_path(&at, key), c));
                        }
                    }
                    _ => {}
                }
            }
            found = next;
        }
        for (at, v) in found {
            if !(v.is_object() || v.is_null()) {
                return Err(InputError::invalid(
                    at,
                    format!("expected a mapping, found {}", kind_of(v)),
                ));
            }
        }
    }
    Ok(())
}

/// Converts a parsed value into `T`, turning serde's message into a field-path error.
pub(crate) fn from_value<T: DeserializeOwned>(value: Value) -> InputResult<T> {
    serde_path_to_error::deserialize::<_, T>(value).map_err(|e| {
        let path = clean_path(&e.path().to_string());
        InputError::invalid(path, e.into_inner().to_string())
    })
}

/// serde_path_to_error prints the root as `.`; we print nothing.
fn clean_path(path: &str) -> String {
    if path == "." {
        String::new()
    } else {
        path.to_owned()
    }
}

fn depth_message() -> String {
    format!("document nests deeper than the limit of {MAX_DEPTH} levels")
}

fn check_depth(value: &Value) -> InputResult<()> {
    // Iterative, so that checking depth cannot itself overflow the stack.
    let mut stack: Vec<(&Value, usize)> = vec![(value, 1)];
    while let Some((v, depth)) = stack.pop() {
        let children: Box<dyn Iterator<Item = &Value>> = match v {
            Value::Array(items) => Box::new(items.iter()),
            Value::Object(map) => Box::new(map.values()),
            _ => continue,
        };
        if depth > MAX_DEPTH {
            return Err(InputError::new(ErrorCode::Limit, "", depth_message()));
        }
        stack.extend(children.map(|c| (c, depth + 1)));
    }
    Ok(())
}

/// The YAML loader against the JSON reader and serde_yaml, on generated documents.
#[cfg(test)]
mod differential;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_and_yaml_give_the_same_value() {
        let j = parse(r#"{"a": [1, "x"]}"#, 1000).unwrap();
        let y = parse("a:\n- 1\n- x\n", 1000).unwrap();
        assert_eq!(j, y);
    }

    #[test]
    fn json_values_count_at_least_eight_bytes_each() {
        // An array and three numbers: 32, within twice a limit of 16. The text is 7 bytes, well
        // within both limits, but the values it builds are not within twice 15.
        assert!(parse("[0,0,0]", 16).is_ok());
        let e = parse("[0,0,0]", 15).unwrap_err();
        assert_eq!(e.code(), ErrorCode::Limit, "{e}");
        assert!(e.message().contains("at least 8 bytes"), "{e}");
        // Strings count their length and quotes; keys their length, quotes and colon.
        // Strings count their length and quotes, keys their length, quotes and colon: 8 + 11 +
        // 12 = 31 fits twice 16 but not twice 15.
        assert!(parse(r#"{"abcdefgh": "abcdefghij"}"#, 31).is_ok());
        let text = r#"{"abcdefgh": "abcdefghijklmnopqrstuvwxyzabcdefgh"}"#;
        assert!(parse(text, 64).is_ok());
        assert_eq!(parse(text, 30).unwrap_err().code(), ErrorCode::Limit);
        // A syntax error stays a syntax error.
        assert_eq!(parse("[0,", 100).unwrap_err().code(), ErrorCode::Syntax);
    }

    #[test]
    fn byte_order_mark_is_skipped() {
        assert!(parse("\u{feff}{\"a\": 1}", 1000).is_ok());
    }

    #[test]
    fn oversized_document_is_a_limit_error() {
        let e = parse(&"a".repeat(11), 10).unwrap_err();
        assert_eq!(e.code(), ErrorCode::Limit);
    }

    #[test]
    fn deep_nesting_is_a_limit_error() {
        let text = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        assert_eq!(parse(&text, 10_000).unwrap_err().code(), ErrorCode::Limit);
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(parse(&ok, 10_000).is_ok());
        // Beyond serde_json's own stop at 128 levels too, closed or not, arrays or objects.
        for deep in [
            "[".repeat(100_000),
            format!("{}{}", "[".repeat(200), "]".repeat(200)),
            "{\"a\": ".repeat(100_000),
        ] {
            let e = parse(&deep, 1_000_000).unwrap_err();
            assert_eq!(e.code(), ErrorCode::Limit, "{e}");
            assert!(
                e.message().contains("nests deeper than the limit of 64"),
                "{e}"
            );
        }
    }

    #[test]
    fn yaml_alias_bomb_fails_without_exhausting_memory() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let e = parse(&text, 1_000_000).unwrap_err();
        assert_eq!(e.code(), ErrorCode::Limit, "{e}");
    }

    #[test]
    fn syntax_errors_say_which_language() {
        assert!(
            parse("{\"a\": ", 100)
                .unwrap_err()
                .message()
                .starts_with("invalid JSON")
        );
        assert!(
            parse("a: [", 100)
                .unwrap_err()
                .message()
                .starts_with("invalid YAML")
        );
    }

    #[test]
    fn duplicate_keys_are_rejected_in_both_languages() {
        let e = parse(r#"{"a": 1, "a": 2}"#, 100).unwrap_err();
        assert!(e.message().contains("duplicate key `a`"), "{e}");
        assert!(parse("a: 1\na: 2\n", 100).is_err());
    }

    #[test]
    fn non_utf8_is_a_syntax_error() {
        assert_eq!(
            parse_bytes(&[0xff, 0xfe, 0x00], 100).unwrap_err().code(),
            ErrorCode::Syntax
        );
    }
}
