//! Attestations documents split into their occurrences, for a host that files occurrences by
//! image before any request is made: a webhook reading a directory of occurrence files (YAML or
//! JSON, as gcloud prints them) keeps each image's occurrences and hands them back with the
//! requests for that image. The document is read by the same bounded reader as a request's
//! attestations (spec §1, §5), so its limits and errors are the same.

use serde::Serialize;
use serde_json::Value;

use super::ErrorReport;
use crate::error::ErrorStage;
use crate::model::occurrence::{Occurrences, lenient_digest};

/// The name of an attestations document in error reports.
const ATTESTATIONS: &str = "attestations";

/// One occurrence of an attestations document that is, or may be, an attestation.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AttestationEntry {
    /// The sha256 digest (`sha256:<64 hex>`) its resource URI names, read leniently so that an
    /// occurrence the engine will skip is still filed under the image it concerns (and explained
    /// in that image's decisions); null when no digest can be read, so it concerns no image.
    pub digest: Option<String>,
    /// The occurrence as JSON, field names as the Container Analysis API writes them: give it
    /// back as one of a request's attestations, which the engine reads again.
    #[cfg_attr(
        feature = "schema",
        schemars(with = "crate::schema::OccurrenceDocument")
    )]
    pub occurrence: Value,
}

/// What an attestations document holds.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AttestationEntries {
    /// Every occurrence that is, or may be, an attestation, in the document's order, whether
    /// the engine can read it or not. Occurrences of other kinds are not listed.
    pub entries: Vec<AttestationEntry>,
    /// What a decision would note about the document: occurrences that cannot be read and
    /// why, occurrences of other kinds, further pages not given, unreachable locations.
    pub notes: Vec<String>,
}

/// Splits an attestations document (YAML or JSON: one occurrence, a list, a Container Analysis
/// list response, or a YAML stream of these) into its attestation occurrences, each with the
/// digest it concerns. The errors are those of a request's attestations: the document's syntax
/// and limits, an entry that is not a mapping, a malformed list response.
pub fn read_attestations(text: &str) -> Result<AttestationEntries, ErrorReport> {
    let (occurrences, kept) = Occurrences::parse_keeping_entries(text)
        .map_err(|e| ErrorReport::one(ErrorStage::Request, ATTESTATIONS, &e))?;
    let entries = kept
        .into_iter()
        .map(|occurrence| AttestationEntry {
            digest: lenient_digest(&occurrence).map(|d| d.to_string()),
            occurrence,
        })
        .collect();
    Ok(AttestationEntries {
        entries,
        notes: occurrences.notes(),
    })
}
