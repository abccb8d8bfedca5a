//! The names an occurrence's fields may go by. Proto3's JSON mapping prints a field under its
//! lowerCamelCase JSON name and has parsers accept the original (snake_case) name as well, so
//! clients that keep the proto's names (kritis' v1beta1 bodies, `preserving_proto_field_name`)
//! write `note_name` where gcloud prints `noteName` (spec/README.md §5). The names come from the
//! Grafeas protos: `grafeas/v1/grafeas.proto`, `common.proto`, `attestation.proto`, and v1beta1's
//! `grafeas.proto` and `attestation/attestation.proto`.

use serde_json::{Map, Value};

use crate::error::{InputError, InputResult, join_path};

/// One message's fields whose original name differs from their JSON name: (original, JSON).
type Names = &'static [(&'static str, &'static str)];

/// v1 and v1beta1 `Occurrence`, and the `details` members an occurrence of another kind has.
const OCCURRENCE: Names = &[
    ("resource_uri", "resourceUri"),
    ("note_name", "noteName"),
    ("create_time", "createTime"),
    ("update_time", "updateTime"),
    ("dsse_attestation", "dsseAttestation"),
    ("sbom_reference", "sbomReference"),
    ("derived_image", "derivedImage"),
];
/// v1beta1 `Resource`.
const RESOURCE: Names = &[("content_hash", "contentHash")];
/// v1 `AttestationOccurrence`, with v1beta1's `Attestation` fields that binauthz also reads at
/// this level (spec §11.4).
const ATTESTATION: Names = &[
    ("serialized_payload", "serializedPayload"),
    ("pgp_signed_attestation", "pgpSignedAttestation"),
    ("generic_signed_attestation", "genericSignedAttestation"),
];
/// v1beta1 `Attestation` (under `Details.attestation`).
const LEGACY_ATTESTATION: Names = &[
    ("pgp_signed_attestation", "pgpSignedAttestation"),
    ("generic_signed_attestation", "genericSignedAttestation"),
];
/// v1beta1 `PgpSignedAttestation`.
const PGP_SIGNED: Names = &[("content_type", "contentType"), ("pgp_key_id", "pgpKeyId")];
/// v1beta1 `GenericSignedAttestation`.
const GENERIC_SIGNED: Names = &[
    ("content_type", "contentType"),
    ("serialized_payload", "serializedPayload"),
];
/// `Signature` (v1 and v1beta1).
const SIGNATURE: Names = &[("public_key_id", "publicKeyId")];
/// v1 `Jwt`.
const JWT: Names = &[("compact_jwt", "compactJwt")];
/// `ListOccurrencesResponse` (v1 and v1beta1).
pub(super) const LIST_RESPONSE: Names = &[("next_page_token", "nextPageToken")];

/// Renames the original names of an occurrence's fields to their JSON names, in every message
/// binauthz reads, so that the rest of the reader knows one name per field. A field given under
/// both names is an error, as in proto3 parsers: the two values might differ.
pub(super) fn to_json_names(occurrence: &mut Value) -> InputResult<()> {
    let Value::Object(root) = occurrence else {
        return Ok(());
    };
    rename(root, OCCURRENCE, "")?;
    if let Some(Value::Object(resource)) = root.get_mut("resource") {
        rename(resource, RESOURCE, "resource")?;
    }
    let Some(Value::Object(att)) = root.get_mut("attestation") else {
        return Ok(());
    };
    rename(att, ATTESTATION, "attestation")?;
    each(att, "signatures", "attestation.signatures", SIGNATURE)?;
    each(att, "jwts", "attestation.jwts", JWT)?;
    if let Some(Value::Object(pgp)) = att.get_mut("pgpSignedAttestation") {
        rename(pgp, PGP_SIGNED, "attestation.pgpSignedAttestation")?;
    }
    if let Some(Value::Object(inner)) = att.get_mut("attestation") {
        rename(inner, LEGACY_ATTESTATION, "attestation.attestation")?;
        if let Some(Value::Object(pgp)) = inner.get_mut("pgpSignedAttestation") {
            rename(
                pgp,
                PGP_SIGNED,
                "attestation.attestation.pgpSignedAttestation",
            )?;
        }
        if let Some(Value::Object(generic)) = inner.get_mut("genericSignedAttestation") {
            let at = "attestation.attestation.genericSignedAttestation";
            rename(generic, GENERIC_SIGNED, at)?;
            each(
                generic,
                "signatures",
                &format!("{at}.signatures"),
                SIGNATURE,
            )?;
        }
    }
    Ok(())
}

/// Renames the fields of every mapping in the list `map[key]`.
fn each(map: &mut Map<String, Value>, key: &str, at: &str, names: Names) -> InputResult<()> {
    if let Some(Value::Array(items)) = map.get_mut(key) {
        for (i, item) in items.iter_mut().enumerate() {
            if let Value::Object(fields) = item {
                rename(fields, names, &format!("{at}[{i}]"))?;
            }
        }
    }
    Ok(())
}

/// Renames each original name in `map` to its JSON name.
pub(super) fn rename(map: &mut Map<String, Value>, names: Names, at: &str) -> InputResult<()> {
    for &(original, json) in names {
        let Some(value) = map.remove(original) else {
            continue;
        };
        if map.contains_key(json) {
            return Err(InputError::invalid(
                join_path(at, original),
                format!(
                    "`{original}` and `{json}` are the same field (proto3 JSON accepts either name); give it once"
                ),
            ));
        }
        map.insert(json.to_owned(), value);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn original_names_become_json_names_at_every_level() {
        let mut v = json!({
            "note_name": "n", "resource": {"uri": "u", "content_hash": {}},
            "attestation": {"serialized_payload": "p",
                "signatures": [{"public_key_id": "k", "signature": "s"}],
                "attestation": {"pgp_signed_attestation": {"pgp_key_id": "f", "content_type": 1}}}
        });
        to_json_names(&mut v).unwrap();
        assert_eq!(
            v,
            json!({
                "noteName": "n", "resource": {"uri": "u", "contentHash": {}},
                "attestation": {"serializedPayload": "p",
                    "signatures": [{"publicKeyId": "k", "signature": "s"}],
                    "attestation": {"pgpSignedAttestation": {"pgpKeyId": "f", "contentType": 1}}}
            })
        );
    }

    #[test]
    fn both_names_of_one_field_are_a_duplicate() {
        let mut v = json!({"attestation": {"signatures": [
            {"publicKeyId": "a", "public_key_id": "b", "signature": "s"}]}});
        let e = to_json_names(&mut v).unwrap_err();
        assert_eq!(e.path(), "attestation.signatures[0].public_key_id");
        assert!(e.message().contains("`publicKeyId`"), "{e}");
    }

    #[test]
    fn fields_binauthz_does_not_know_keep_their_names() {
        let mut v = json!({"some_field": 1, "build": {"build_options": 2}});
        let before = v.clone();
        to_json_names(&mut v).unwrap();
        assert_eq!(v, before);
    }
}
