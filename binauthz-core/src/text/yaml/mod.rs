//! Reading YAML text into JSON values, bounded while it is read.
//!
//! This is the one place that names the YAML parser: `backend` below, an event-level
//! (pull) parser. Everything else (aliases, merge keys, scalar types, limits) is our own loader
//! in [`loader`], which asks the parser for one event at a time and stops at the first event
//! that breaks a rule, so hostile nesting costs no more than the 64 levels it may have. To swap
//! the parser, change the `use` below and the dependency line; the new one must yield the same
//! events (scalars with their style, anchors as ids, tags, spans) and the adapter functions
//! here ([`scan_error`], and the event names in `loader.rs`) are all that would change.
//!
//! serde_yaml, which binauthz used before, loaded a whole document before looking at it, and
//! libyaml's scanner is quadratic in flow nesting depth, so deep documents took minutes.

use std::fmt;

use saphyr_parser as backend;
use serde_json::Value;

use crate::limits::MAX_DEPTH;

mod loader;
mod mapping;
mod scalar;

#[cfg(test)]
mod tests;

/// What kind of rule a YAML document broke; the document reader maps each to an error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ErrorKind {
    /// Not YAML, or YAML that cannot be a JSON value (duplicate keys, a mapping as a key, a
    /// broken merge key, an undefined or unfinished alias, more than one document).
    Syntax,
    /// Nesting deeper than [`MAX_DEPTH`], or a value (aliases expanded) larger than the budget.
    Limit,
    /// YAML that binauthz refuses on purpose: tags, integers beyond 64 bits, and keys whose
    /// meaning YAML readers disagree on.
    Invalid,
}

/// Why a YAML document could not be read: a kind and a one-sentence lower-case message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Error {
    /// Which rule was broken.
    kind: ErrorKind,
    /// One lower-case sentence, with the position when there is one.
    message: String,
}

impl Error {
    /// A syntax error at `mark`: `invalid YAML: {what} at line L column C`.
    fn syntax(what: impl fmt::Display, mark: Mark) -> Self {
        Error {
            kind: ErrorKind::Syntax,
            message: format!("invalid YAML: {what} at {mark}"),
        }
    }

    /// An [`ErrorKind::Invalid`] error; `message` says where.
    fn invalid(message: String) -> Self {
        Error {
            kind: ErrorKind::Invalid,
            message,
        }
    }

    /// The nesting limit, in the words the JSON reader uses too.
    fn too_deep() -> Self {
        Error {
            kind: ErrorKind::Limit,
            message: format!("document nests deeper than the limit of {MAX_DEPTH} levels"),
        }
    }

    /// The size limit on the value with aliases expanded, in the words the JSON reader uses too.
    fn too_large(max_bytes: usize) -> Self {
        Error {
            kind: ErrorKind::Limit,
            message: format!(
                "document is larger than {max_bytes} bytes once read (every value counts at least 8 bytes, and a YAML alias what it copies)"
            ),
        }
    }

    /// Which rule was broken.
    pub(crate) fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The message, one lower-case sentence.
    pub(crate) fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// A position in the text, as people count: line and column from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Mark {
    /// The line, from 1.
    line: usize,
    /// The column in characters, from 1.
    column: usize,
}

impl Mark {
    /// The parser's position (its columns count from 0).
    fn of(marker: &backend::Marker) -> Self {
        Mark {
            line: marker.line(),
            column: marker.col() + 1,
        }
    }
}

impl fmt::Display for Mark {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {} column {}", self.line, self.column)
    }
}

/// The parser's own errors. Its only limit is on open flow collections (255, far beyond ours),
/// reported as text; reaching it means the document nests deeper than ours, so it is ours.
fn scan_error(e: &backend::ScanError) -> Error {
    if e.info() == "recursion limit exceeded" {
        Error::too_deep()
    } else {
        Error::syntax(e.info(), Mark::of(e.marker()))
    }
}

/// Reads a YAML text that must hold one document (none reads as null, as an empty document
/// does). The value, with aliases expanded, may cost at most `max_bytes` as the document
/// reader counts them (strings their length plus 2, keys plus 3, containers 2, other scalars 8).
pub(crate) fn to_json_value_within(text: &str, max_bytes: usize) -> Result<Value, Error> {
    let mut documents = read(text, max_bytes, false)?;
    Ok(documents.pop().unwrap_or(Value::Null))
}

/// Reads every document of a YAML stream (`---` separated, as Kubernetes manifests are), all
/// within one `max_bytes` budget. An empty stream is one null document.
pub(crate) fn to_json_values_within(text: &str, max_bytes: usize) -> Result<Vec<Value>, Error> {
    let mut documents = read(text, max_bytes, true)?;
    if documents.is_empty() {
        documents.push(Value::Null);
    }
    Ok(documents)
}

/// [`to_json_value_within`] with the request size limit, for tests that build values from YAML.
#[cfg(test)]
pub(crate) fn to_json_value(text: &str) -> Result<Value, Error> {
    to_json_value_within(text, crate::limits::MAX_REQUEST_BYTES)
}

/// Feeds the parser's events to a loader until the stream ends or a rule is broken.
fn read(text: &str, max_bytes: usize, many: bool) -> Result<Vec<Value>, Error> {
    let mut parser = backend::Parser::new_from_str(text);
    let mut loader = loader::Loader::new(max_bytes);
    let mut documents = Vec::new();
    while let Some(next) = parser.next_event() {
        let (event, span) = next.map_err(|e| scan_error(&e))?;
        let mark = Mark::of(&span.start);
        if matches!(event, backend::Event::DocumentStart(_)) && !many && !documents.is_empty() {
            return Err(Error::syntax(
                "a second document where only one is expected",
                mark,
            ));
        }
        if let Some(document) = loader.event(event, mark)? {
            documents.push(document);
        }
    }
    Ok(documents)
}
