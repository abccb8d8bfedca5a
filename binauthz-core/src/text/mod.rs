//! Text to values, bounded (spec §1): YAML and JSON documents read with every limit enforced
//! while parsing, and the shape rules gcloud applies to every document before its fields.

pub(crate) mod base64;
pub(crate) mod document;
pub(crate) mod yaml;
