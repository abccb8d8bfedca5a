//! The loader's rules, each on the smallest document that shows it.

use serde_json::{Value, json};

use super::{Error, ErrorKind, to_json_value_within, to_json_values_within};
use crate::limits::MAX_DEPTH;

/// A budget no test document reaches unless it means to.
const BUDGET: usize = 1 << 20;

/// The one document of `text`, which must load.
fn load(text: &str) -> Value {
    to_json_value_within(text, BUDGET).unwrap_or_else(|e| panic!("{text:?}: {e}"))
}

/// Why `text` does not load.
fn fail(text: &str) -> Error {
    match to_json_value_within(text, BUDGET) {
        Ok(v) => panic!("{text:?} loaded as {v}"),
        Err(e) => e,
    }
}

/// `text` fails with an error of `kind` whose message has `words`.
fn fails_with(text: &str, kind: ErrorKind, words: &str) {
    let e = fail(text);
    assert_eq!(e.kind(), kind, "{text:?}: {e}");
    assert!(e.message().contains(words), "{text:?}: {e}");
}

/// `depth` flow sequences, one inside the other.
fn nested(depth: usize) -> String {
    format!("{}{}", "[".repeat(depth), "]".repeat(depth))
}

#[test]
fn block_and_flow_styles_give_the_same_value() {
    let block = "a:\n  - 1\n  - x\nb:\n  c: true\n";
    assert_eq!(load(block), load("{a: [1, x], b: {c: true}}"));
    assert_eq!(load(block), json!({"a": [1, "x"], "b": {"c": true}}));
}

#[test]
fn only_plain_scalars_are_resolved() {
    let text = "p: 1\nd: \"1\"\ns: '1'\nl: |\n  1\nf: >\n  1\nt: true\nn: ~\ne:\nq: ''\n";
    assert_eq!(
        load(text),
        json!({"p": 1, "d": "1", "s": "1", "l": "1\n", "f": "1\n", "t": true, "n": null,
               "e": null, "q": ""})
    );
}

#[test]
fn keys_are_the_text_of_their_scalar() {
    let text = "1: a\ntrue: b\n~: c\n0x10: d\n\"q\": e\n1.50: f\n";
    assert_eq!(
        load(text),
        json!({"1": "a", "true": "b", "~": "c", "0x10": "d", "q": "e", "1.50": "f"})
    );
}

#[test]
fn keys_must_be_scalars() {
    fails_with(
        "? [a]\n: x\n",
        ErrorKind::Syntax,
        "a sequence as a mapping key",
    );
    fails_with(
        "{{a: b}: x}",
        ErrorKind::Syntax,
        "a mapping as a mapping key",
    );
    fails_with(
        "a: &s [1]\n*s : x\n",
        ErrorKind::Syntax,
        "an alias to a collection as a mapping key",
    );
}

#[test]
fn a_missing_key_is_refused_as_libyaml_refuses_it() {
    // YAML 1.2 (saphyr) reads `: x` as a null key; libyaml, which kubectl and gcloud build on,
    // refuses it. A quoted empty key is an ordinary key.
    for text in [":", ": x\n", "a: 1\n: 2\n", "{: x}", "? \n: x\n"] {
        fails_with(text, ErrorKind::Syntax, "a mapping key is missing");
    }
    assert_eq!(load("\"\": x\n"), json!({"": "x"}));
}

#[test]
fn duplicate_keys_are_errors_whatever_their_quoting() {
    for text in ["a: 1\na: 2\n", "a: 1\n\"a\": 2\n", "{1: x, '1': y}"] {
        fails_with(text, ErrorKind::Syntax, "duplicate key");
    }
    assert!(
        fail("a: 1\na: 2\n")
            .message()
            .starts_with("invalid YAML: duplicate key `a` in one object at line 2 column 1")
    );
}

#[test]
fn aliases_copy_what_their_anchor_names() {
    assert_eq!(
        load("a: &x [1, {b: c}]\nb: *x\n"),
        json!({"a": [1, {"b": "c"}], "b": [1, {"b": "c"}]})
    );
    assert_eq!(
        load("a: &n 1\nb: *n\nc: &q '1'\nd: *q\n"),
        json!({"a": 1, "b": 1, "c": "1", "d": "1"}),
        "an aliased scalar means what the scalar means"
    );
    assert_eq!(
        load("k: &k policy\n*k : {}\n"),
        json!({"k": "policy", "policy": {}}),
        "an alias to a scalar can be a key"
    );
    assert_eq!(
        load("- &a 1\n- &a 2\n- *a\n"),
        json!([1, 2, 2]),
        "an anchor written again names the later node"
    );
}

#[test]
fn aliases_must_name_a_finished_node_of_the_same_document() {
    fails_with("a: *nowhere\n", ErrorKind::Syntax, "invalid YAML: ");
    fails_with(
        "a: &p\n  b: *p\n",
        ErrorKind::Syntax,
        "an alias inside the node its anchor names",
    );
    let e = to_json_values_within("a: &x 1\n---\nb: *x\n", BUDGET).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Syntax, "{e}");
    assert!(e.message().contains("does not define"), "{e}");
}

#[test]
fn tags_are_invalid_on_every_node() {
    for (text, tag) in [
        ("!!binary aGVsbG8=", "!!binary"),
        ("a: !!str 1", "!!str"),
        ("a: !!int \"1\"", "!!int"),
        ("!custom {a: 1}", "!custom"),
        ("a: !!seq [1]", "!!seq"),
        ("!!str k: v", "!!str"),
        ("a: ! x", "`!`"),
        (
            "a: !<tag:example.com,2000:x> y",
            "!<tag:example.com,2000:x>",
        ),
        (
            "%TAG !e! tag:example.com,2000:\n--- !e!x a\n",
            "!<tag:example.com,2000:x>",
        ),
    ] {
        let e = fail(text);
        assert_eq!(e.kind(), ErrorKind::Invalid, "{text:?}: {e}");
        assert!(e.message().contains(tag), "{text:?}: {e}");
        assert!(e.message().ends_with("YAML tags are not accepted"), "{e}");
    }
}

#[test]
fn integers_beyond_64_bits_are_invalid() {
    fails_with(
        "a: 18446744073709551616",
        ErrorKind::Invalid,
        "does not fit in 64 bits",
    );
    fails_with(
        "- -9223372036854775809",
        ErrorKind::Invalid,
        "line 1 column 3",
    );
    assert_eq!(
        load("a: '18446744073709551616'"),
        json!({"a": "18446744073709551616"})
    );
}

/// Two mappings to merge: `*b` is {x: 1, y: 2}, `*c` is {y: 3, z: 4}.
const BASES: &str = "b: &b {x: 1, y: 2}\nc: &c {y: 3, z: 4}\n";

/// `mapping` (which may merge [`BASES`]) as loaded.
fn merged(mapping: &str) -> Value {
    load(&format!("{BASES}m: {mapping}\n"))["m"].clone()
}

#[test]
fn a_merge_key_copies_the_entries_of_its_mapping() {
    assert_eq!(merged("{<<: *b, w: 0}"), json!({"w": 0, "x": 1, "y": 2}));
    assert_eq!(merged("{<<: {v: 5}}"), json!({"v": 5}));
    assert_eq!(merged("{<<: [], w: 0}"), json!({"w": 0}));
    let block = "b: &b\n  x: 1\nm:\n  <<: *b\n  w: 0\n";
    assert_eq!(load(block)["m"], json!({"w": 0, "x": 1}), "block style");
}

#[test]
fn an_explicit_key_after_the_merge_wins() {
    assert_eq!(merged("{<<: *b, x: 9}"), json!({"x": 9, "y": 2}));
    fails_with(
        &format!("{BASES}m: {{<<: *b, x: 9, x: 8}}"),
        ErrorKind::Syntax,
        "duplicate key `x`",
    );
}

#[test]
fn an_explicit_key_before_the_merge_is_refused_because_readers_disagree() {
    fails_with(
        &format!("{BASES}m: {{x: 9, <<: *b}}"),
        ErrorKind::Invalid,
        "key `x` is written before the `<<` merge",
    );
    assert_eq!(merged("{w: 9, <<: *b}"), json!({"w": 9, "x": 1, "y": 2}));
}

#[test]
fn in_a_sequence_of_merged_mappings_the_earlier_wins() {
    assert_eq!(merged("{<<: [*b, *c]}"), json!({"x": 1, "y": 2, "z": 4}));
    assert_eq!(merged("{<<: [*c, *b]}"), json!({"x": 1, "y": 3, "z": 4}));
}

#[test]
fn merges_inside_merged_mappings_are_already_resolved() {
    let text = "a: &a {x: 1}\nb: &b {<<: *a, y: 2}\nc: {<<: *b, z: 3}\n";
    assert_eq!(load(text)["c"], json!({"x": 1, "y": 2, "z": 3}));
}

#[test]
fn a_merge_value_must_be_mappings() {
    for value in ["1", "~", "[1]", "[*b, x]", "*s", "[*s]"] {
        fails_with(
            &format!("{BASES}s: &s [{{a: 1}}]\nm: {{<<: {value}}}"),
            ErrorKind::Syntax,
            "the `<<` merge key needs a mapping or a sequence of mappings",
        );
    }
}

#[test]
fn two_merge_keys_in_one_mapping_are_duplicates() {
    fails_with(
        &format!("{BASES}m: {{<<: *b, <<: *c}}"),
        ErrorKind::Syntax,
        "duplicate key `<<`",
    );
}

#[test]
fn only_the_plain_scalar_is_a_merge_key() {
    assert_eq!(load("\"<<\": {a: 1}"), json!({"<<": {"a": 1}}));
    assert_eq!(load("'<<': x"), json!({"<<": "x"}));
    fails_with(
        "a: &m <<\n*m : {x: 1}\n",
        ErrorKind::Invalid,
        "alias to a plain `<<`",
    );
}

#[test]
fn nesting_is_limited_while_reading() {
    assert!(to_json_value_within(&nested(MAX_DEPTH), BUDGET).is_ok());
    let e = fail(&nested(MAX_DEPTH + 1));
    assert_eq!(e.kind(), ErrorKind::Limit);
    assert_eq!(
        e.message(),
        "document nests deeper than the limit of 64 levels"
    );
    let block: String = (0..=MAX_DEPTH)
        .map(|i| format!("{}a:\n", "  ".repeat(i)))
        .collect();
    assert_eq!(fail(&block).kind(), ErrorKind::Limit, "block style");
    assert_eq!(
        fail(&"[".repeat(100_000)).kind(),
        ErrorKind::Limit,
        "never closed"
    );
}

#[test]
fn aliases_count_towards_nesting() {
    // The root mapping is level 1; `x`'s value starts at 2, and `*a` inside `y`'s list at 3.
    let at = |h: usize| format!("x: &a {}\ny: [*a]\n", nested(h));
    assert!(to_json_value_within(&at(MAX_DEPTH - 2), BUDGET).is_ok());
    assert_eq!(fail(&at(MAX_DEPTH - 1)).kind(), ErrorKind::Limit);
}

#[test]
fn merged_entries_count_at_the_level_they_land() {
    // `m` is level 2; its merged entry `k` holds `h` levels starting at 3.
    let at = |h: usize| format!("b: &b {{k: {}}}\nm: {{<<: *b}}\n", nested(h));
    assert!(to_json_value_within(&at(MAX_DEPTH - 2), BUDGET).is_ok());
    assert_eq!(fail(&at(MAX_DEPTH - 1)).kind(), ErrorKind::Limit);
}

#[test]
fn the_budget_counts_every_value_at_least_eight() {
    // Every value at least 8: an array 8, a one-letter string 8; an object 8, key `k` 8, value
    // `v` 8; a number 8; a 20-letter string its length and quotes, 22.
    for (text, cost) in [
        ("[a]", 16),
        ("{k: v}", 24),
        ("[1]", 16),
        ("[abcdefghijklmnopqrst]", 30),
    ] {
        assert!(to_json_value_within(text, cost).is_ok(), "{text}");
        let e = to_json_value_within(text, cost - 1).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Limit, "{text}");
        assert!(e.message().contains("larger than"), "{e}");
    }
    // The copy kept for an anchored collection counts too: 8 + (8 + 8) + 16 for the copy.
    assert!(to_json_value_within("[&a [x]]", 40).is_ok());
    assert!(to_json_value_within("[&a [x]]", 39).is_err());
    // Every document of a stream shares the budget.
    assert!(to_json_values_within("[a]\n---\n[a]\n", 32).is_ok());
    assert!(to_json_values_within("[a]\n---\n[a]\n", 31).is_err());
}

#[test]
#[cfg_attr(miri, ignore = "a million steps before the limit stops it")]
fn an_alias_bomb_stops_at_the_budget() {
    let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let refs = vec![format!("*a{}", i - 1); 10].join(", ");
        text.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    let e = fail(&text);
    assert_eq!(e.kind(), ErrorKind::Limit);
    assert_eq!(
        e.message(),
        format!(
            "document is larger than {BUDGET} bytes once read (every value counts at least 8 bytes, and a YAML alias what it copies)"
        )
    );
}

#[test]
fn one_document_or_many() {
    assert_eq!(load(""), Value::Null);
    assert_eq!(load("# only a comment\n"), Value::Null);
    assert_eq!(load("a: 1\n...\n"), json!({"a": 1}));
    fails_with("a: 1\n---\nb: 2\n", ErrorKind::Syntax, "a second document");
    fails_with("a: 1\n---\n", ErrorKind::Syntax, "a second document");
    assert_eq!(
        to_json_values_within("a: 1\n---\nb: 2\n---\n", BUDGET).unwrap(),
        vec![json!({"a": 1}), json!({"b": 2}), Value::Null]
    );
    assert_eq!(
        to_json_values_within("", BUDGET).unwrap(),
        vec![Value::Null]
    );
}

#[test]
fn syntax_errors_say_where() {
    let e = fail("a: [b\nc: d\n");
    assert_eq!(e.kind(), ErrorKind::Syntax);
    assert!(e.message().starts_with("invalid YAML: "), "{e}");
    assert!(e.message().contains(" at line "), "{e}");
}

#[test]
fn the_parsers_own_nesting_limit_is_the_nesting_limit() {
    // saphyr-parser refuses a 256th open flow collection itself, while scanning ahead of the
    // events; that document nests deeper than ours allows, and says so in the same words.
    let e = super::backend::ScanError::new_str(
        super::backend::Marker::new(300, 1, 300),
        "recursion limit exceeded",
    );
    assert_eq!(super::scan_error(&e), Error::too_deep());
    let other = super::backend::ScanError::new_str(super::backend::Marker::new(0, 1, 0), "x");
    assert_eq!(super::scan_error(&other).kind(), ErrorKind::Syntax);
}
