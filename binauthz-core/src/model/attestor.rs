//! Attestors, as `gcloud container binauthz attestors describe --format=json` prints them.

use serde::Deserialize;
use serde_json::{Map, Value};
use sha2::{Digest as _, Sha256};

use crate::crypto::{PkixKey, SignatureAlgorithm};
use crate::error::{ErrorCode, InputError, InputResult, join_path};
use crate::limits::{MAX_ATTESTORS, MAX_CONFIG_BYTES, MAX_KEYS_PER_ATTESTOR};
use crate::model::names::{
    AttestorName, KeyId, NoteName, project_message, project_of, project_problem,
    uri_reference_problem,
};
#[cfg(feature = "pgp")]
use crate::pgp::PgpKey;
use crate::text::document;
use crate::text::document::shape::{expect_mapping, expect_mapping_or_null, wrap_single};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[expect(
    dead_code,
    reason = "output-only fields are type-checked and then ignored"
)]
struct RawAttestor {
    name: Option<String>,
    description: Option<String>,
    user_owned_grafeas_note: Option<RawNote>,
    /// v1beta1's name for the same object.
    user_owned_drydock_note: Option<RawNote>,
    update_time: Option<String>,
    etag: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[expect(
    dead_code,
    reason = "output-only fields are type-checked and then ignored"
)]
struct RawNote {
    note_reference: Option<String>,
    public_keys: Option<Vec<RawKey>>,
    delegation_service_account_email: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawKey {
    id: Option<String>,
    comment: Option<String>,
    pkix_public_key: Option<RawPkix>,
    ascii_armored_pgp_public_key: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawPkix {
    public_key_pem: Option<String>,
    signature_algorithm: Option<String>,
    key_id: Option<String>,
}

/// The key material of one attestor key.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum PublicKey {
    /// A PKIX (X.509 SubjectPublicKeyInfo) key with its signature algorithm.
    Pkix(PkixKey),
    /// An OpenPGP key (`asciiArmoredPgpPublicKey`), with its subkeys.
    #[cfg(feature = "pgp")]
    Pgp(Box<PgpKey>),
}

/// One public key of an attestor, with the id that signatures name it by.
#[derive(Debug, Clone)]
pub struct AttestorKey {
    id: KeyId,
    comment: Option<String>,
    key: PublicKey,
    /// What the verification cache knows the key by (its kind, algorithm and material).
    cache_id: [u8; 32],
}

impl AttestorKey {
    /// The id signatures must name in `publicKeyId` (the default id when the document left it blank).
    pub fn id(&self) -> &KeyId {
        &self.id
    }

    /// The key's comment, if any.
    pub fn comment(&self) -> Option<&str> {
        self.comment.as_deref()
    }

    /// The key material.
    pub fn key(&self) -> &PublicKey {
        &self.key
    }

    /// The key's identity in the verification cache.
    pub(crate) fn cache_id(&self) -> &[u8; 32] {
        &self.cache_id
    }

    /// A short description for messages, e.g. `ECDSA_P256_SHA256`.
    pub fn algorithm_name(&self) -> &'static str {
        match &self.key {
            PublicKey::Pkix(k) => k.algorithm().name(),
            #[cfg(feature = "pgp")]
            PublicKey::Pgp(k) => k.algorithm_name(),
        }
    }
}

/// A validated attestor.
#[derive(Debug, Clone)]
pub struct Attestor {
    name: AttestorName,
    description: Option<String>,
    note: NoteName,
    keys: Vec<AttestorKey>,
    /// Positions in `keys`, sorted by key id (and by position among keys that share an id), so a
    /// signature's key is found by binary search however many keys the attestor has.
    by_id: Vec<usize>,
    /// Paths of the repeated fields the document gave a single value (for `policy lint`).
    single_values: Vec<String>,
}

/// The two names of the note field (v1 and v1beta1).
const NOTE_FIELDS: [&str; 2] = ["userOwnedGrafeasNote", "userOwnedDrydockNote"];

/// What the note holds, for errors.
const NOTE: &str = "a mapping with noteReference and publicKeys";

/// What a public key holds, for errors.
const KEY: &str = "a mapping with id and pkixPublicKey (or asciiArmoredPgpPublicKey)";

/// What a PKIX key holds, for errors.
const PKIX: &str = "a mapping with publicKeyPem, signatureAlgorithm and keyId";

/// Wraps a single public key given for `publicKeys` in a list, as gcloud reads repeated fields
/// (`policy::shape`), and returns the paths it wrapped.
fn wrap_keys(map: &mut Map<String, Value>) -> Vec<String> {
    let mut wrapped = Vec::new();
    for field in NOTE_FIELDS {
        if let Some(Value::Object(note)) = map.get_mut(field)
            && wrap_single(note, "publicKeys")
        {
            wrapped.push(format!("{field}.publicKeys"));
        }
    }
    wrapped
}

/// Every place that must hold a mapping does (null being the field left out), before serde reads
/// the fields, so that errors say what was expected in GCP's terms.
fn check_shapes(map: &Map<String, Value>) -> InputResult<()> {
    for field in NOTE_FIELDS {
        let Some(note) = map.get(field) else {
            continue;
        };
        expect_mapping_or_null(note, field, NOTE)?;
        let Some(Value::Array(keys)) = note.get("publicKeys") else {
            continue;
        };
        for (i, key) in keys.iter().enumerate() {
            let at = format!("{field}.publicKeys[{i}]");
            expect_mapping(key, &at, KEY)?;
            if let Some(pkix) = key.get("pkixPublicKey") {
                expect_mapping_or_null(pkix, &join_path(&at, "pkixPublicKey"), PKIX)?;
            }
        }
    }
    Ok(())
}

/// An error when the project of `name` (at `path`) cannot be a GCP project.
fn check_project(name: &str, path: &str) -> InputResult<()> {
    match project_of(name).and_then(|p| Some((p, project_problem(p)?))) {
        Some((project, problem)) => Err(InputError::invalid(
            path,
            format!("`{name}`: {}", project_message(project, problem)),
        )),
        None => Ok(()),
    }
}

impl Attestor {
    /// Parses one attestor, or a list of attestors (YAML or JSON).
    pub fn parse_many(text: &str) -> InputResult<Vec<Attestor>> {
        Self::from_value_many(document::parse(text, MAX_CONFIG_BYTES)?)
    }

    /// Validates one attestor object, or an array of them.
    pub fn from_value_many(value: Value) -> InputResult<Vec<Attestor>> {
        document::one_or_many(value, MAX_ATTESTORS, "attestors", Self::from_value)
    }

    /// Validates one attestor object.
    pub fn from_value(value: Value) -> InputResult<Attestor> {
        let Value::Object(mut map) = value else {
            return Err(InputError::invalid(
                "",
                "an attestor must be a mapping with name and userOwnedGrafeasNote",
            ));
        };
        let single_values = wrap_keys(&mut map);
        check_shapes(&map)?;
        let raw: RawAttestor = document::from_value(Value::Object(map))?;
        let name_text = raw
            .name
            .ok_or_else(|| InputError::invalid("name", "field is required"))?;
        let name = AttestorName::parse(&name_text).ok_or_else(|| {
            InputError::invalid(
                "name",
                format!("`{name_text}` is not an attestor name of the form projects/PROJECT/attestors/ATTESTOR"),
            )
        })?;
        check_project(&name_text, "name")?;
        let (note_field, note) = match (raw.user_owned_grafeas_note, raw.user_owned_drydock_note) {
            (Some(n), None) => ("userOwnedGrafeasNote", n),
            (None, Some(n)) => ("userOwnedDrydockNote", n),
            (None, None) => {
                return Err(InputError::invalid(
                    "userOwnedGrafeasNote",
                    "field is required",
                ));
            }
            (Some(_), Some(_)) => {
                return Err(InputError::invalid(
                    "userOwnedDrydockNote",
                    "set userOwnedGrafeasNote or its v1beta1 name userOwnedDrydockNote, not both",
                ));
            }
        };
        let note_ref_path = format!("{note_field}.noteReference");
        let note_text = note
            .note_reference
            .ok_or_else(|| InputError::invalid(&note_ref_path, "field is required"))?;
        let note_name = NoteName::parse(&note_text).ok_or_else(|| {
            InputError::invalid(
                &note_ref_path,
                format!("`{note_text}` is not a note name of the form projects/PROJECT/notes/NOTE"),
            )
        })?;
        check_project(&note_text, &note_ref_path)?;
        let raw_keys = note.public_keys.unwrap_or_default();
        if raw_keys.len() > MAX_KEYS_PER_ATTESTOR {
            return Err(InputError::new(
                ErrorCode::Limit,
                format!("{note_field}.publicKeys"),
                format!("more than {MAX_KEYS_PER_ATTESTOR} keys"),
            ));
        }
        let keys = raw_keys
            .into_iter()
            .enumerate()
            .map(|(i, k)| key_from_raw(k, &format!("{note_field}.publicKeys[{i}]")))
            .collect::<InputResult<Vec<_>>>()?;
        let mut by_id: Vec<usize> = (0..keys.len()).collect();
        // Keys that share an id (a rotation) are tried in the order of their material, not of
        // the document, so that a decision does not depend on how the keys were listed
        // (spec §12); the sort is stable, so only identical keys keep the document's order.
        by_id.sort_by(|&a, &b| {
            (key_id_at(&keys, a), keys.get(a).map(AttestorKey::cache_id))
                .cmp(&(key_id_at(&keys, b), keys.get(b).map(AttestorKey::cache_id)))
        });
        Ok(Attestor {
            name,
            description: raw.description,
            note: note_name,
            keys,
            by_id,
            single_values,
        })
    }

    /// The paths of the repeated fields that the document gave a single value (gcloud reads
    /// such a value as a list of one): `userOwnedGrafeasNote.publicKeys`.
    pub fn single_values(&self) -> &[String] {
        &self.single_values
    }

    /// The attestor's resource name.
    pub fn name(&self) -> &AttestorName {
        &self.name
    }

    /// The description, if any.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// The note that the attestor's attestations are filed under.
    pub fn note(&self) -> &NoteName {
        &self.note
    }

    /// The attestor's keys, in document order.
    pub fn keys(&self) -> &[AttestorKey] {
        &self.keys
    }

    /// Every key whose id is `id` (several when keys are being rotated), in a canonical order:
    /// by key material, whatever the order the attestor lists them in.
    pub fn keys_with_id<'a>(&'a self, id: &'a str) -> impl Iterator<Item = &'a AttestorKey> + 'a {
        let start = self
            .by_id
            .partition_point(|&i| key_id_at(&self.keys, i) < id);
        let rest = self.by_id.get(start..).unwrap_or_default();
        let len = rest.partition_point(|&i| key_id_at(&self.keys, i) == id);
        rest.get(..len)
            .unwrap_or_default()
            .iter()
            .filter_map(|&i| self.keys.get(i))
    }
}

/// The id of `keys[i]` (empty for a position out of range, which `by_id` never holds).
fn key_id_at(keys: &[AttestorKey], i: usize) -> &str {
    keys.get(i).map_or("", |k| k.id.as_str())
}

fn key_from_raw(raw: RawKey, path: &str) -> InputResult<AttestorKey> {
    let at = |f: &str| join_path(path, f);
    let RawKey {
        id,
        comment,
        pkix_public_key,
        ascii_armored_pgp_public_key,
    } = raw;
    let pkix = match (pkix_public_key, ascii_armored_pgp_public_key) {
        (Some(_), Some(_)) => {
            return Err(InputError::invalid(
                path,
                "a key has either pkixPublicKey or asciiArmoredPgpPublicKey, not both",
            ));
        }
        (None, Some(text)) => return pgp_key(id, comment, &text, path),
        (None, None) => {
            return Err(InputError::invalid(
                path,
                "a key needs pkixPublicKey (or asciiArmoredPgpPublicKey)",
            ));
        }
        (Some(p), None) => p,
    };
    let alg_path = at("pkixPublicKey.signatureAlgorithm");
    let alg_name = pkix
        .signature_algorithm
        .ok_or_else(|| InputError::invalid(&alg_path, "field is required"))?;
    let algorithm = SignatureAlgorithm::from_name(&alg_name).ok_or_else(|| {
        let expected: Vec<&str> = SignatureAlgorithm::ALL
            .iter()
            .flat_map(|a| a.names().iter().copied())
            .collect();
        let what = if alg_name == "SIGNATURE_ALGORITHM_UNSPECIFIED" {
            "is not a usable value".to_owned()
        } else if alg_name == "ML_DSA_65" {
            "(post-quantum ML-DSA) is not supported".to_owned()
        } else {
            "is not a known signature algorithm".to_owned()
        };
        InputError::invalid(
            &alg_path,
            format!(
                "`{alg_name}` {what}; expected one of {}",
                expected.join(", ")
            ),
        )
    })?;
    let pem_path = at("pkixPublicKey.publicKeyPem");
    let pem = pkix
        .public_key_pem
        .ok_or_else(|| InputError::invalid(&pem_path, "field is required"))?;
    let key = PkixKey::from_pem(&pem, algorithm)
        .map_err(|e| InputError::invalid(&pem_path, e.to_string()))?;
    let given_id = id.filter(|s| !s.is_empty());
    let pkix_id = pkix.key_id.filter(|s| !s.is_empty());
    if let (Some(a), Some(b)) = (&given_id, &pkix_id)
        && a != b
    {
        return Err(InputError::invalid(
            at("pkixPublicKey.keyId"),
            format!(
                "keyId `{b}` differs from the key's id `{a}`; they must be equal (or keyId left blank)"
            ),
        ));
    }
    let id_path = at(if given_id.is_some() {
        "id"
    } else {
        "pkixPublicKey.keyId"
    });
    let id = given_id.or(pkix_id).unwrap_or_else(|| key.default_key_id());
    if id.len() > 2048 {
        return Err(InputError::invalid(
            id_path,
            "key id is longer than 2048 characters",
        ));
    }
    // GCP: "must be a valid RFC 3986 URI" (AttestorPublicKey.id, PkixPublicKey.keyId).
    if let Some(problem) = uri_reference_problem(&id) {
        return Err(InputError::invalid(
            id_path,
            format!(
                "key id `{id}` is not a URI (RFC 3986, as GCP requires): it {problem}; leave it blank for the default ni:///sha-256;… id"
            ),
        ));
    }
    Ok(AttestorKey {
        id: KeyId::new(id),
        comment,
        cache_id: key_fingerprint("pkix", key.algorithm().name(), key.spki_der()),
        key: PublicKey::Pkix(key),
    })
}

/// A PGP key (spec §11): its id is the upper-case hex V4 fingerprint of the primary key; a given
/// `id` must be that fingerprint (case aside).
#[cfg(feature = "pgp")]
fn pgp_key(
    id: Option<String>,
    comment: Option<String>,
    text: &str,
    path: &str,
) -> InputResult<AttestorKey> {
    let key = PgpKey::from_armored(text).map_err(|e| {
        InputError::invalid(join_path(path, "asciiArmoredPgpPublicKey"), e.to_string())
    })?;
    let fingerprint = key.fingerprint().to_owned();
    if let Some(given) = id.filter(|s| !s.is_empty())
        && !crate::pgp::fingerprint_matches(&key, &given)
    {
        return Err(InputError::invalid(
            join_path(path, "id"),
            format!(
                "id `{given}` is not the PGP key's fingerprint {fingerprint}; leave id blank, or set it to the upper-case 40-hex-digit V4 fingerprint without spaces"
            ),
        ));
    }
    Ok(AttestorKey {
        cache_id: key_fingerprint("pgp", "", key.armored().as_bytes()),
        id: KeyId::new(fingerprint),
        comment,
        key: PublicKey::Pgp(Box::new(key)),
    })
}

/// Without the `pgp` feature, PGP keys are a load error, never ignored.
#[cfg(not(feature = "pgp"))]
fn pgp_key(
    _id: Option<String>,
    _comment: Option<String>,
    _text: &str,
    path: &str,
) -> InputResult<AttestorKey> {
    Err(InputError::new(
        ErrorCode::Unsupported,
        join_path(path, "asciiArmoredPgpPublicKey"),
        "PGP attestor keys are not supported by this build (binauthz-core without its `pgp` feature); use a PKIX key (pkixPublicKey)",
    ))
}

/// A key's identity for the verification cache: its kind, declared algorithm and material,
/// each length-prefixed so that no two keys share one.
pub(crate) fn key_fingerprint(kind: &str, algorithm: &str, material: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    for field in [kind.as_bytes(), algorithm.as_bytes(), material] {
        h.update((field.len() as u64).to_be_bytes());
        h.update(field);
    }
    h.finalize().into()
}

#[cfg(test)]
mod pgp_key_tests {
    use super::*;

    fn attestor_with_pgp_key(id: &str, text: &str) -> InputResult<Vec<Attestor>> {
        Attestor::from_value_many(serde_json::json!({
            "name": "projects/p/attestors/a",
            "userOwnedGrafeasNote": {
                "noteReference": "projects/p/notes/n",
                "publicKeys": [{"id": id, "asciiArmoredPgpPublicKey": text}]
            }
        }))
    }

    #[cfg(not(feature = "pgp"))]
    #[test]
    fn without_the_feature_pgp_keys_are_unsupported() {
        let e = attestor_with_pgp_key("", "-----BEGIN PGP PUBLIC KEY BLOCK-----\n").unwrap_err();
        assert_eq!(e.code(), ErrorCode::Unsupported);
        assert!(e.path().ends_with("asciiArmoredPgpPublicKey"), "{e}");
    }

    #[cfg(feature = "pgp")]
    #[test]
    fn malformed_pgp_keys_are_invalid_and_name_the_field() {
        let e = attestor_with_pgp_key("", "-----BEGIN PGP PUBLIC KEY BLOCK-----\n").unwrap_err();
        assert_eq!(e.code(), ErrorCode::Invalid);
        assert!(e.path().ends_with("asciiArmoredPgpPublicKey"), "{e}");
    }
}

#[cfg(test)]
mod key_index_tests {
    use super::*;

    const PEM: &str = include_str!("../../../spec/conformance/keys/ec-p256.pub.pem");

    /// An attestor whose keys have these ids, in this order.
    fn attestor(ids: &[String]) -> Attestor {
        let keys: Vec<_> = ids
            .iter()
            .map(|id| {
                serde_json::json!({"id": id, "pkixPublicKey": {
                "publicKeyPem": PEM, "signatureAlgorithm": "ECDSA_P256_SHA256"}})
            })
            .collect();
        let mut all = Attestor::from_value_many(serde_json::json!({
            "name": "projects/p/attestors/a",
            "userOwnedGrafeasNote": {"noteReference": "projects/p/notes/n", "publicKeys": keys}
        }))
        .unwrap();
        all.pop().unwrap()
    }

    /// The positions of the keys `keys_with_id` finds, to compare with a scan.
    fn found(a: &Attestor, id: &str) -> Vec<usize> {
        a.keys_with_id(id)
            .map(|k| a.keys().iter().position(|x| std::ptr::eq(x, k)).unwrap())
            .collect()
    }

    #[test]
    fn lookup_by_id_finds_what_a_scan_finds_in_the_attestors_order() {
        // 1,000 keys (the limit), ids shuffled and repeated: rotations share an id.
        let ids: Vec<String> = (0..1000_usize)
            .map(|i| format!("key-{}", (i * 7919) % 300))
            .collect();
        let a = attestor(&ids);
        for probe in ["key-0", "key-299", "key-17", "key-300", "", "key-", "zzz"] {
            let scan: Vec<usize> = (0..ids.len()).filter(|&i| ids[i] == probe).collect();
            assert_eq!(found(&a, probe), scan, "{probe}");
        }
        assert_eq!(found(&a, "key-0").len(), 4);
    }
}
