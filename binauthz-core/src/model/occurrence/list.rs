//! Lists of occurrences as people have them (spec/README.md §5): gcloud's JSON list, its YAML
//! stream (one `---` document per occurrence), the Container Analysis API's list response, and
//! a request's `attestations`. An occurrence that cannot be read is skipped and explained where it
//! could matter, not a reason to refuse the whole request; an occurrence of another kind is
//! ignored.

use crate::text::document::shape::kind_of as value_kind;
use std::collections::BTreeSet;
use std::ops::Deref;

use serde_json::{Map, Value};

use super::{Kind, Occurrence, fields, kind_of, not_a_mapping};
use crate::error::{ErrorCode, InputError, InputResult, join_path};
use crate::limits::{MAX_OCCURRENCES, MAX_REQUEST_BYTES};
use crate::model::digest::Digest;
use crate::model::names::{NoteName, OccurrenceLabel};
use crate::text::document;
use crate::untrusted::shown;

/// Skipped occurrences a decision's note names; the rest are counted.
const SKIPPED_IN_NOTE: usize = 3;
/// Distinct kinds (and unreachable locations) a decision's note names; the rest are counted.
const NAMES_IN_NOTE: usize = 4;

/// The fields of a Container Analysis `ListOccurrencesResponse`, under either name, and
/// `unreachable` (AIP-217), which responses that read several locations carry.
const LIST_RESPONSE_FIELDS: [&str; 4] = [
    "occurrences",
    "nextPageToken",
    "next_page_token",
    "unreachable",
];

/// An occurrence that could not be read (a malformed `resourceUri`, a missing field, bad
/// base64, an unsupported shape …), kept with what could be read of it. It never satisfies an
/// attestor: it is listed, as reason `occurrenceMalformed`, for the attestors and images it
/// could concern (spec §5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedOccurrence {
    label: Option<OccurrenceLabel>,
    note: Option<NoteName>,
    digest: Option<Digest>,
    error: InputError,
    /// Where it was in its document (`[3]`, `occurrences[3]`, `document 2`), for the error a
    /// strict reader returns. Decisions never show it: they must not depend on the order of the
    /// occurrences.
    position: String,
}

impl SkippedOccurrence {
    fn new(value: &Value, error: InputError, position: String) -> Self {
        let text = |keys: &[&str]| {
            keys.iter()
                .find_map(|k| value.get(*k).and_then(Value::as_str))
                .map(str::to_owned)
        };
        let uri = resource_uri(value).map(str::to_owned);
        let digest = lenient_digest(value);
        let label = text(&["name"]).or(uri);
        SkippedOccurrence {
            label: label.as_deref().map(OccurrenceLabel::new),
            note: text(&["noteName", "note_name"]).and_then(|n| NoteName::parse(&n)),
            digest,
            // The message may quote the input, and is repeated for every image it concerns:
            // escaped and cut once, here.
            error: InputError::new(
                error.code(),
                shown(error.path()).into_owned(),
                shown(error.message()).into_owned(),
            ),
            position,
        }
    }

    /// Its `name`, or its resource URI, when it has one that is a string.
    pub fn label(&self) -> Option<&OccurrenceLabel> {
        self.label.as_ref()
    }

    /// Its `noteName`, when that is a valid note name; `None` means it could be any attestor's.
    pub fn note(&self) -> Option<&NoteName> {
        self.note.as_ref()
    }

    /// The sha256 digest its resource URI names, read with upper-case hex digits taken as
    /// lower-case; `None` means it could be any image's.
    pub fn digest(&self) -> Option<&Digest> {
        self.digest.as_ref()
    }

    /// Why it was skipped; the path is relative to the occurrence.
    pub fn error(&self) -> &InputError {
        &self.error
    }

    /// The order in which skipped occurrences are explained: everything a decision shows of
    /// them, so that decisions do not depend on the order of the request.
    pub(crate) fn canonical_cmp(&self, other: &Self) -> std::cmp::Ordering {
        fn key(s: &SkippedOccurrence) -> impl Ord + '_ {
            (
                s.note.as_ref(),
                s.digest.as_ref(),
                s.label.as_ref(),
                s.error.path(),
                s.error.message(),
            )
        }
        key(self).cmp(&key(other))
    }
}

/// A bounded set of names for a note: the smallest few (so that the choice does not depend on the
/// order they came in) and how many there were in all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct NamesSeen {
    count: u64,
    names: BTreeSet<String>,
    /// Whether there were more distinct names than are kept.
    more: bool,
}

impl NamesSeen {
    fn add(&mut self, name: &str) {
        self.count += 1;
        self.keep(shown(name).into_owned());
    }

    fn keep(&mut self, name: String) {
        self.names.insert(name);
        if self.names.len() > NAMES_IN_NOTE {
            self.names.pop_last();
            self.more = true;
        }
    }

    fn extend(&mut self, other: NamesSeen) {
        self.count += other.count;
        self.more |= other.more;
        for name in other.names {
            self.keep(name);
        }
    }

    /// The names kept, and `…` when there were more.
    fn listed(&self) -> String {
        let mut names: Vec<&str> = self.names.iter().map(String::as_str).collect();
        if self.more {
            names.push("…");
        }
        names.join(", ")
    }
}

/// The occurrences a request or an attestations document holds: those that were read, those
/// skipped for an input error, how many of other kinds were ignored, and whether the list says
/// it is incomplete. Dereferences to the occurrences that were read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Occurrences {
    valid: Vec<Occurrence>,
    skipped: Vec<SkippedOccurrence>,
    /// Entries read, of every kind: what the limit of spec §1 counts.
    entries: usize,
    other_kinds: NamesSeen,
    /// A list response had a `nextPageToken`: further pages were not given.
    more_pages: bool,
    unreachable: NamesSeen,
    /// Every entry that is or may be an attestation occurrence, as read (field names as the API
    /// writes them): kept only by [`Occurrences::parse_keeping_entries`].
    kept: Option<Vec<Value>>,
}

impl From<Vec<Occurrence>> for Occurrences {
    fn from(valid: Vec<Occurrence>) -> Self {
        Occurrences {
            entries: valid.len(),
            valid,
            ..Occurrences::default()
        }
    }
}

impl Deref for Occurrences {
    type Target = [Occurrence];

    fn deref(&self) -> &[Occurrence] {
        &self.valid
    }
}

impl Occurrences {
    /// Reads an attestations document (YAML or JSON): one occurrence, a list of occurrences, a
    /// Container Analysis list response (`{"occurrences": [...], "nextPageToken": "..."}`), or a
    /// YAML stream of any of these (gcloud's default output prints one `---` document per
    /// occurrence). An empty document holds no occurrences (gcloud prints nothing for an empty
    /// list). Errors concern the document: its syntax and limits, a document or list entry that
    /// is not a mapping, a malformed list response. An occurrence that cannot be read is skipped.
    pub fn parse(text: &str) -> InputResult<Self> {
        Occurrences::default().read_text(text)
    }

    /// [`Self::parse`], also returning every entry that is or may be an attestation occurrence
    /// (readable or skipped, not those of other kinds) as JSON, with field names as the API
    /// writes them: for a host that files occurrences by image before any request is made (a
    /// webhook's directory of occurrence files). The entries are given back to the engine in a
    /// request, which reads them again, so a skipped one is still explained where it matters.
    pub fn parse_keeping_entries(text: &str) -> InputResult<(Self, Vec<Value>)> {
        let keeping = Occurrences {
            kept: Some(Vec::new()),
            ..Occurrences::default()
        };
        let mut out = keeping.read_text(text)?;
        let kept = out.kept.take().unwrap_or_default();
        Ok((out, kept))
    }

    fn read_text(mut self, text: &str) -> InputResult<Self> {
        let documents = document::parse_all(text, MAX_REQUEST_BYTES)?;
        let many = documents.len() > 1;
        for (d, value) in documents.into_iter().enumerate() {
            let at = if many {
                format!("document {}", d + 1)
            } else {
                String::new()
            };
            self.read_document(value, &at)?;
        }
        Ok(self)
    }

    /// [`Self::parse`] for one document already parsed.
    pub fn from_document(value: Value) -> InputResult<Self> {
        let mut out = Occurrences::default();
        out.read_document(value, "")?;
        Ok(out)
    }

    /// Reads a request's `attestations`: a list whose entries must be mappings.
    pub(crate) fn from_list(items: Vec<Value>, at: &str) -> InputResult<Self> {
        let mut out = Occurrences::default();
        out.read_list(items, at)?;
        Ok(out)
    }

    /// The occurrences that were read, in the order given.
    pub fn valid(&self) -> &[Occurrence] {
        &self.valid
    }

    /// The occurrences skipped for an input error, in the order given.
    pub fn skipped(&self) -> &[SkippedOccurrence] {
        &self.skipped
    }

    /// How many occurrences of another kind than `ATTESTATION` were ignored.
    pub fn other_kinds(&self) -> u64 {
        self.other_kinds.count
    }

    /// Every entry read, of every kind, skipped or not: what the limit of spec §1 counts.
    pub fn entries(&self) -> usize {
        self.entries
    }

    /// Whether nothing was skipped, ignored or missing: the list is exactly its valid
    /// occurrences, which is what a request writes back (`Request::to_value`).
    pub fn is_complete(&self) -> bool {
        self.skipped.is_empty()
            && self.other_kinds.count == 0
            && !self.more_pages
            && self.unreachable.count == 0
    }

    /// Adds another document's occurrences (the CLI reads several files).
    pub fn extend(&mut self, other: Occurrences) {
        self.valid.extend(other.valid);
        self.skipped.extend(other.skipped);
        self.entries += other.entries;
        self.other_kinds.extend(other.other_kinds);
        self.more_pages |= other.more_pages;
        self.unreachable.extend(other.unreachable);
    }

    /// The valid occurrences, or the first skipped one's error (with its position).
    pub(crate) fn into_strict(self) -> InputResult<Vec<Occurrence>> {
        match self.skipped.into_iter().next() {
            Some(s) => Err(s.error.within(&s.position)),
            None => Ok(self.valid),
        }
    }

    /// The decision's notes about the occurrences: one per kind of remark, each bounded.
    pub(crate) fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        if !self.skipped.is_empty() {
            let mut sorted: Vec<&SkippedOccurrence> = self.skipped.iter().collect();
            sorted.sort_by(|a, b| a.canonical_cmp(b));
            let n = sorted.len();
            let mut listed: Vec<String> = sorted
                .iter()
                .take(SKIPPED_IN_NOTE)
                .map(|s| format!("{} ({})", describe(s.label()), s.error()))
                .collect();
            if n > SKIPPED_IN_NOTE {
                listed.push(format!("and {} more", n - SKIPPED_IN_NOTE));
            }
            notes.push(format!(
                "{n} attestation occurrence{} could not be read and {} skipped, so {} cannot satisfy any attestor: {}",
                plural(n as u64),
                if n == 1 { "was" } else { "were" },
                if n == 1 { "it" } else { "they" },
                listed.join("; ")
            ));
        }
        let kinds = &self.other_kinds;
        if kinds.count > 0 {
            notes.push(format!(
                "{} occurrence{} of another kind than ATTESTATION ({}) {} ignored: only attestation occurrences under an attestor's note can satisfy it",
                kinds.count,
                plural(kinds.count),
                kinds.listed(),
                if kinds.count == 1 { "was" } else { "were" },
            ));
        }
        if self.more_pages {
            notes.push(
                "the attestations include a list response with a nextPageToken: the occurrences on its further pages were not given, so they cannot satisfy any attestor"
                    .to_owned(),
            );
        }
        let places = &self.unreachable;
        if places.count > 0 {
            notes.push(format!(
                "the list response says {} location{} could not be reached ({}): occurrences stored there were not given, so they cannot satisfy any attestor",
                places.count,
                plural(places.count),
                places.listed(),
            ));
        }
        notes
    }

    fn read_document(&mut self, value: Value, at: &str) -> InputResult<()> {
        match value {
            Value::Null => Ok(()),
            Value::Array(items) => self.read_list(items, at),
            Value::Object(map) if is_list_response(&map) => self.read_response(map, at),
            Value::Object(map) if map.contains_key("occurrences") => Err(InputError::invalid(
                at,
                format!(
                    "a mapping with `occurrences` is a list response, which holds only occurrences, nextPageToken and unreachable; found `{}`",
                    map.keys()
                        .find(|k| !LIST_RESPONSE_FIELDS.contains(&k.as_str()))
                        .map(|k| shown(k).into_owned())
                        .unwrap_or_default()
                ),
            )),
            object @ Value::Object(_) => {
                self.count(1, at)?;
                self.read_entry(object, at.to_owned());
                Ok(())
            }
            other => Err(InputError::invalid(
                at,
                format!(
                    "expected an occurrence, a list of occurrences or a list response, found {}",
                    value_kind(&other)
                ),
            )),
        }
    }

    fn read_response(&mut self, mut map: Map<String, Value>, at: &str) -> InputResult<()> {
        fields::rename(&mut map, fields::LIST_RESPONSE, at)?;
        match map.remove("nextPageToken") {
            None | Some(Value::Null) => {}
            Some(Value::String(token)) => self.more_pages |= !token.is_empty(),
            Some(other) => {
                return Err(InputError::invalid(
                    join_path(at, "nextPageToken"),
                    format!("expected a string, found {}", value_kind(&other)),
                ));
            }
        }
        match map.remove("unreachable") {
            None | Some(Value::Null) => {}
            Some(Value::Array(places)) => {
                for (i, place) in places.iter().enumerate() {
                    let Some(place) = place.as_str() else {
                        return Err(InputError::invalid(
                            join_path(at, &format!("unreachable[{i}]")),
                            format!("expected a string, found {}", value_kind(place)),
                        ));
                    };
                    self.unreachable.add(place);
                }
            }
            Some(other) => {
                return Err(InputError::invalid(
                    join_path(at, "unreachable"),
                    format!("expected a list of strings, found {}", value_kind(&other)),
                ));
            }
        }
        match map.remove("occurrences") {
            None | Some(Value::Null) => Ok(()),
            Some(Value::Array(items)) => self.read_list(items, &join_path(at, "occurrences")),
            Some(other) => Err(InputError::invalid(
                join_path(at, "occurrences"),
                format!(
                    "expected a list of occurrences, found {}",
                    value_kind(&other)
                ),
            )),
        }
    }

    fn read_list(&mut self, items: Vec<Value>, at: &str) -> InputResult<()> {
        self.count(items.len(), at)?;
        for (i, item) in items.into_iter().enumerate() {
            let position = format!("{at}[{i}]");
            if !item.is_object() {
                return Err(not_a_mapping().within(&position));
            }
            self.read_entry(item, position);
        }
        Ok(())
    }

    /// Counts `n` more entries against the limit of spec §1.
    fn count(&mut self, n: usize, at: &str) -> InputResult<()> {
        self.entries = self.entries.saturating_add(n);
        if self.entries > MAX_OCCURRENCES {
            return Err(InputError::new(
                ErrorCode::Limit,
                at,
                format!("more than {MAX_OCCURRENCES} attestation occurrences"),
            ));
        }
        Ok(())
    }

    /// Reads one mapping: an attestation occurrence, one of another kind, or one to skip.
    fn read_entry(&mut self, mut value: Value, position: String) {
        let renamed = fields::to_json_names(&mut value);
        let kind = renamed.and_then(|()| kind_of(&value));
        if let (Some(kept), false) = (&mut self.kept, matches!(kind, Ok(Kind::Other(_)))) {
            kept.push(value.clone());
        }
        match kind {
            Ok(Kind::Other(kind)) => self.other_kinds.add(&kind),
            Ok(Kind::Attestation) => {
                // What the skipped record needs, read before the value is consumed: a few short
                // strings, and only the error path uses them.
                let hints = hint_fields(&value);
                match Occurrence::from_json_names(value) {
                    Ok(occurrence) => self.valid.push(occurrence),
                    Err(e) => self
                        .skipped
                        .push(SkippedOccurrence::new(&hints, e, position)),
                }
            }
            Err(e) => self
                .skipped
                .push(SkippedOccurrence::new(&value, e, position)),
        }
    }
}

/// An occurrence's resource URI under any of the names it is written with.
fn resource_uri(value: &Value) -> Option<&str> {
    ["resourceUri", "resource_uri"]
        .iter()
        .find_map(|k| value.get(*k).and_then(Value::as_str))
        .or_else(|| value.get("resource")?.get("uri")?.as_str())
}

/// The sha256 digest an occurrence's resource URI names, read leniently: only to say which
/// images the occurrence could concern (a skipped one is explained there; a host files it under
/// that image), so a hand-edited upper-case digest is still recognisable. It never makes an
/// occurrence valid.
pub(crate) fn lenient_digest(value: &Value) -> Option<Digest> {
    let (_, digest) = resource_uri(value)?.rsplit_once('@')?;
    Digest::parse(&digest.to_ascii_lowercase())
}

/// The fields a skipped occurrence is described by, copied out of the occurrence.
fn hint_fields(value: &Value) -> Value {
    let mut out = Map::new();
    for key in ["name", "noteName", "resourceUri"] {
        if let Some(v @ Value::String(_)) = value.get(key) {
            out.insert(key.to_owned(), v.clone());
        }
    }
    if let Some(uri @ Value::String(_)) = value.get("resource").and_then(|r| r.get("uri")) {
        out.insert("resource".to_owned(), serde_json::json!({ "uri": uri }));
    }
    Value::Object(out)
}

/// Whether a mapping is a list response rather than an occurrence: it has only the fields of
/// one (an empty mapping is the API's empty list, as proto3 JSON leaves out empty fields).
fn is_list_response(map: &Map<String, Value>) -> bool {
    map.keys()
        .all(|k| LIST_RESPONSE_FIELDS.contains(&k.as_str()))
}

/// How a skipped occurrence is named in messages.
pub(crate) fn describe(label: Option<&OccurrenceLabel>) -> String {
    match label {
        Some(label) => format!("occurrence {}", shown(label.as_str())),
        None => "an occurrence without a name or resourceUri".to_owned(),
    }
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}
