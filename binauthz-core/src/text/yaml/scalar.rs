//! What a plain YAML scalar means: null, a boolean, a number or a string.
//!
//! The rules are serde_yaml 0.9.34's (`visit_untagged_scalar` and the `parse_*` helpers of its
//! `de.rs`), which binauthz used before it read YAML events itself, so every document reads as
//! it did: YAML 1.2's core schema, not YAML 1.1's (`yes`, `on` and `0777` stay strings). Only
//! plain scalars are resolved; quoted and block scalars are always strings.

use serde_json::{Number, Value};

/// A plain scalar written as an integer that fits in neither `i64` nor `u64`.
///
/// serde_yaml rejected most of these and turned the longest into floats or strings; binauthz
/// rejects them all, since no field it reads holds such a number and a silent float would lose
/// digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct OutOfRange;

/// Resolves a plain (unquoted, untagged) scalar to the JSON value it denotes.
pub(super) fn resolve_plain(text: &str) -> Result<Value, OutOfRange> {
    if text.is_empty() || is_null(text) {
        return Ok(Value::Null);
    }
    if let Some(b) = parse_bool(text) {
        return Ok(Value::Bool(b));
    }
    if let Some(n) = parse_unsigned_int(text, |s, radix| u64::from_str_radix(s, radix).ok()) {
        return Ok(Value::Number(n.into()));
    }
    if let Some(n) = parse_negative_int(text, |s, radix| i64::from_str_radix(s, radix).ok()) {
        return Ok(Value::Number(n.into()));
    }
    if is_integer(text) {
        return Err(OutOfRange);
    }
    if !digits_but_not_number(text)
        && let Some(f) = parse_f64(text)
    {
        // `.inf` and `.nan` have no JSON form; serde_json's own reader makes them null too.
        return Ok(Number::from_f64(f).map_or(Value::Null, Value::Number));
    }
    Ok(Value::String(text.to_owned()))
}

/// The core schema's spellings of null (the empty scalar is null too).
fn is_null(text: &str) -> bool {
    matches!(text, "null" | "Null" | "NULL" | "~")
}

/// The core schema's spellings of the booleans.
fn parse_bool(text: &str) -> Option<bool> {
    match text {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

/// Whether `text` has the form of an integer of any size: what [`parse_unsigned_int`] or
/// [`parse_negative_int`] would accept with an integer type wide enough.
fn is_integer(text: &str) -> bool {
    parse_unsigned_int(text, |s, radix| digits_of(s, radix, false)).is_some()
        || parse_negative_int(text, |s, radix| digits_of(s, radix, true)).is_some()
}

/// What `from_str_radix` accepts, without its overflow check: an optional `+` (or `-` when
/// `signed`), then at least one digit of `radix`.
fn digits_of(s: &str, radix: u32, signed: bool) -> Option<()> {
    let digits = match s.as_bytes().first() {
        Some(b'+') => s.get(1..)?,
        Some(b'-') if signed => s.get(1..)?,
        _ => s,
    };
    (!digits.is_empty() && digits.chars().all(|c| c.is_digit(radix))).then_some(())
}

/// serde_yaml's `parse_unsigned_int`: `0x`, `0o` and `0b` prefixes, an optional `+`, and no
/// leading zero on a decimal.
fn parse_unsigned_int<T>(text: &str, from_str_radix: impl Fn(&str, u32) -> Option<T>) -> Option<T> {
    let unpositive = text.strip_prefix('+').unwrap_or(text);
    for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] {
        if let Some(rest) = unpositive.strip_prefix(prefix) {
            if rest.starts_with(['+', '-']) {
                return None;
            }
            if let Some(int) = from_str_radix(rest, radix) {
                return Some(int);
            }
        }
    }
    if unpositive.starts_with(['+', '-']) || digits_but_not_number(text) {
        return None;
    }
    from_str_radix(unpositive, 10)
}

/// serde_yaml's `parse_negative_int`: like [`parse_unsigned_int`] with a leading `-`.
fn parse_negative_int<T>(text: &str, from_str_radix: impl Fn(&str, u32) -> Option<T>) -> Option<T> {
    for (prefix, radix) in [("-0x", 16), ("-0o", 8), ("-0b", 2)] {
        if let Some(rest) = text.strip_prefix(prefix)
            && let Some(int) = from_str_radix(&format!("-{rest}"), radix)
        {
            return Some(int);
        }
    }
    if digits_but_not_number(text) {
        return None;
    }
    from_str_radix(text, 10)
}

/// serde_yaml's `parse_f64`: Rust's float syntax after an optional `+`, plus YAML's `.inf` and
/// `.nan` spellings; Rust's own `inf` and `nan` stay strings.
fn parse_f64(text: &str) -> Option<f64> {
    let unpositive = match text.strip_prefix('+') {
        Some(rest) if rest.starts_with(['+', '-']) => return None,
        Some(rest) => rest,
        None => text,
    };
    if let ".inf" | ".Inf" | ".INF" = unpositive {
        return Some(f64::INFINITY);
    }
    if let "-.inf" | "-.Inf" | "-.INF" = text {
        return Some(f64::NEG_INFINITY);
    }
    if let ".nan" | ".NaN" | ".NAN" = text {
        return Some(f64::NAN);
    }
    unpositive.parse::<f64>().ok().filter(|f| f.is_finite())
}

/// YAML 1.2 reads a leading zero followed by digits (`0777`, `-012`) as a string, not a number.
fn digits_but_not_number(text: &str) -> bool {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    digits.len() > 1 && digits.starts_with('0') && digits.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn r(text: &str) -> Value {
        resolve_plain(text).unwrap()
    }

    #[test]
    fn null_and_booleans_in_the_core_schema_spellings() {
        for t in ["", "~", "null", "Null", "NULL"] {
            assert_eq!(r(t), Value::Null, "{t}");
        }
        assert_eq!(r("True"), json!(true));
        assert_eq!(r("FALSE"), json!(false));
        for t in ["yes", "no", "on", "off", "nULL", "tRUE"] {
            assert_eq!(r(t), json!(t), "YAML 1.1 spellings are strings: {t}");
        }
    }

    #[test]
    fn integers_in_every_radix() {
        assert_eq!(r("42"), json!(42));
        assert_eq!(r("+42"), json!(42));
        assert_eq!(r("-42"), json!(-42));
        assert_eq!(r("-0"), json!(0));
        assert_eq!(r("0x1f"), json!(31));
        assert_eq!(r("0o17"), json!(15));
        assert_eq!(r("0b101"), json!(5));
        assert_eq!(r("-0x10"), json!(-16));
        assert_eq!(r("18446744073709551615"), json!(u64::MAX));
        assert_eq!(r("-9223372036854775808"), json!(i64::MIN));
    }

    #[test]
    fn leading_zeros_and_malformed_numbers_are_strings() {
        for t in [
            "0777", "-012", "+00", "0x", "0x+1", "1_000", "0x1g", "++1", "1.2.3", "inf",
        ] {
            assert_eq!(r(t), json!(t), "{t}");
        }
    }

    #[test]
    fn integers_beyond_64_bits_are_refused_whatever_their_length() {
        for t in [
            "18446744073709551616",
            "-9223372036854775809",
            "0x10000000000000000",
            "-0b1111111111111111111111111111111111111111111111111111111111111111111",
            &"9".repeat(400),
        ] {
            assert_eq!(resolve_plain(t), Err(OutOfRange), "{t}");
        }
    }

    #[test]
    fn floats_and_their_yaml_spellings() {
        assert_eq!(r("1.5"), json!(1.5));
        assert_eq!(r("-.5"), json!(-0.5));
        assert_eq!(r("+1e3"), json!(1000.0));
        assert_eq!(
            r("1e400"),
            json!("1e400"),
            "an overflowing float stays a string"
        );
        for t in [".inf", "-.Inf", ".NaN", "+.INF"] {
            assert_eq!(r(t), Value::Null, "{t}");
        }
    }
}
