//! PGP attestors (spec/README.md §11) through the public API, on the GnuPG-made keys and
//! signatures of the conformance vectors (spec/conformance/generate.py, group `pgp`).
#![cfg(feature = "pgp")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failed expectation should panic"
)]

mod common;

use std::path::Path;

use base64::Engine as _;
use binauthz_core::pgp::{PgpFailureKind, PgpKey, SignedData, parse_signed_message};
use binauthz_core::{Engine, ErrorCode, Occurrence, ReasonKind, Request, Timestamp};
use common::{case, engine};
use serde_json::{Value, json};

fn key_text(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../spec/conformance/keys")
        .join(format!("pgp-{name}.pub.asc"));
    std::fs::read_to_string(path).unwrap()
}

fn key(name: &str) -> PgpKey {
    PgpKey::from_armored(&key_text(name)).unwrap()
}

fn at(text: &str) -> Option<Timestamp> {
    Some(Timestamp::parse_rfc3339(text).unwrap())
}

/// The first occurrence of a case, its decoded payload and its first signature's bytes.
fn signed(case_name: &str) -> (Vec<u8>, Vec<u8>) {
    let c = case(case_name);
    let occ = Occurrence::from_value(c["request"]["attestations"][0].clone()).unwrap();
    (
        occ.payload().unwrap().to_vec(),
        occ.signatures()[0].bytes().to_vec(),
    )
}

#[test]
fn keys_load_with_their_fingerprint_as_id() {
    for name in [
        "rsa3072", "ed25519", "nistp256", "subkeys", "expired", "revoked",
    ] {
        let k = key(name);
        let fp = k.fingerprint();
        assert_eq!(fp.len(), 40, "{name}");
        assert!(
            fp.bytes()
                .all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b))
        );
        assert_eq!(k.user_ids().len(), 1, "{name}");
    }
    assert_eq!(key("rsa3072").primary_algorithm(), "RSA-3072");
    assert_eq!(key("ed25519").primary_algorithm(), "Ed25519");
    assert_eq!(key("nistp256").primary_algorithm(), "ECDSA P-256");
    assert_eq!(key("rsa3072").algorithm_name(), "PGP_RSA");
    // Certify-only primary with a P-256 signing subkey, an expired Ed25519 signing subkey and a
    // Curve25519 encryption subkey: two signing subkeys.
    assert_eq!(key("subkeys").signing_subkeys().len(), 2);
    assert!(key("revoked").revoked().unwrap().starts_with("revoked"));
    assert!(key("expired").expires().is_some());
    assert!(key("ed25519").expires().is_none());
}

#[test]
fn crlf_and_lf_keys_are_the_same_key() {
    let text = key_text("subkeys");
    let crlf = PgpKey::from_armored(&text.replace('\n', "\r\n")).unwrap();
    assert_eq!(crlf.fingerprint(), key("subkeys").fingerprint());
    assert_eq!(crlf.signing_subkeys(), key("subkeys").signing_subkeys());
}

#[test]
fn malformed_keys_are_rejected_with_a_reason() {
    let text = key_text("ed25519");
    for (bad, why) in [
        (String::new(), "does not start"),
        (format!("junk\n{text}"), "does not start"),
        (format!("{text}{text}"), "after the armor footer"),
        (text.replace("PUBLIC KEY BLOCK", "SIGNATURE"), "expected a"),
        (text.replacen("\n\n", "\n", 1), "Key: Value"),
    ] {
        let e = PgpKey::from_armored(&bad).unwrap_err();
        assert!(e.to_string().contains(why), "{e}");
    }
}

#[test]
fn attached_detached_armored_and_binary_signatures_parse() {
    let (payload, sig) = signed("pgp-rsa3072-attached-armored");
    assert!(sig.starts_with(b"-----BEGIN PGP MESSAGE-----"));
    let m = parse_signed_message(&sig).unwrap();
    assert_eq!(m.data, SignedData::Attached(payload.clone()));
    assert_eq!(m.signatures.len(), 1);

    let (payload, sig) = signed("pgp-nistp256-binary");
    assert!(sig[0] & 0x80 != 0, "binary OpenPGP packets");
    assert_eq!(
        parse_signed_message(&sig).unwrap().data,
        SignedData::Attached(payload)
    );

    let (_, sig) = signed("pgp-detached-signature");
    assert!(sig.starts_with(b"-----BEGIN PGP SIGNATURE-----"));
    assert_eq!(
        parse_signed_message(&sig).unwrap().data,
        SignedData::Detached
    );

    let (_, sig) = signed("pgp-clearsigned-rejected");
    assert!(
        parse_signed_message(&sig)
            .unwrap_err()
            .contains("clear-signed")
    );
    for junk in [
        &b""[..],
        b"\x00",
        b"\xa3\x01",
        b"-----BEGIN PGP MESSAGE-----\n\n-----END PGP MESSAGE-----\n",
    ] {
        assert!(parse_signed_message(junk).is_err(), "{junk:?}");
    }
}

#[test]
fn verification_reports_signer_payload_and_failure_kinds() {
    let time = at("2026-06-01T00:00:00Z");
    let (payload, sig) = signed("pgp-signing-subkey");
    let k = key("subkeys");
    let v = k.verify(&sig, Some(&payload), time).unwrap();
    assert_eq!(v.payload, payload);
    assert_ne!(v.signer, k.fingerprint(), "made by a subkey");
    assert!(k.signing_subkeys().contains(&v.signer.as_str()));
    // The legacy shape has no serializedPayload: the literal data is the payload.
    assert_eq!(k.verify(&sig, None, time).unwrap().payload, payload);

    let kind = |case_name: &str, key_name: &str, t: Option<Timestamp>| {
        let (payload, sig) = signed(case_name);
        key(key_name)
            .verify(&sig, Some(&payload), t)
            .unwrap_err()
            .kind
    };
    assert_eq!(
        kind("pgp-expired-key", "expired", time),
        PgpFailureKind::KeyExpired
    );
    assert_eq!(
        kind("pgp-expired-subkey", "subkeys", time),
        PgpFailureKind::KeyExpired
    );
    assert_eq!(
        kind("pgp-revoked-key", "revoked", time),
        PgpFailureKind::KeyRevoked
    );
    assert_eq!(
        kind("pgp-signature-expired", "ed25519", time),
        PgpFailureKind::SignatureExpired
    );
    assert_eq!(
        kind("pgp-tampered-message", "ed25519", time),
        PgpFailureKind::Invalid
    );
    assert_eq!(
        kind(
            "pgp-literal-differs-from-serialized-payload",
            "ed25519",
            time
        ),
        PgpFailureKind::DataMismatch
    );
    // The expiring key: valid before 2030, expired after, and expired without a time.
    let (payload, sig) = signed("pgp-expiring-key-before-expiry");
    let k = key("expiring");
    assert!(k.verify(&sig, Some(&payload), time).is_ok());
    let late = k.verify(&sig, Some(&payload), at("2030-01-02T00:00:00Z"));
    assert_eq!(late.unwrap_err().kind, PgpFailureKind::KeyExpired);
    let none = k.verify(&sig, Some(&payload), None).unwrap_err();
    assert_eq!(none.kind, PgpFailureKind::KeyExpired);
    assert!(
        none.message.contains("no evaluationTime"),
        "{}",
        none.message
    );
    // The expired key's signature counted while the key was valid.
    let (payload, sig) = signed("pgp-expired-key");
    assert!(
        key("expired")
            .verify(&sig, Some(&payload), at("2025-01-20T00:00:00Z"))
            .is_ok()
    );
}

#[test]
fn armor_text_and_base64_of_armor_are_the_same_signature() {
    let c = case("pgp-rsa3072-attached-armored");
    let mut occ = c["request"]["attestations"][0].clone();
    let b64 = occ["attestation"]["signatures"][0]["signature"]
        .as_str()
        .unwrap()
        .to_owned();
    let armor = base64::engine::general_purpose::STANDARD
        .decode(&b64)
        .unwrap();
    occ["attestation"]["signatures"][0]["signature"] = json!(String::from_utf8(armor).unwrap());
    let mut request = c["request"].clone();
    request["attestations"] = json!([occ]);
    let decision = engine(&c).evaluate_str(&request.to_string()).unwrap();
    assert!(decision.allowed, "{}", decision.to_json_pretty());
}

#[test]
fn evaluation_time_is_parsed_strictly_and_echoed_in_the_audit_record() {
    let c = case("pgp-expiring-key-before-expiry");
    let e = engine(&c);
    let mut request = c["request"].clone();
    let d = e.evaluate_str(&request.to_string()).unwrap();
    assert_eq!(
        d.audit.evaluation_time.as_deref(),
        Some("2026-06-01T00:00:00Z")
    );
    let audit = serde_json::to_value(&d.audit).unwrap();
    assert_eq!(audit["evaluationTime"], "2026-06-01T00:00:00Z");

    request["evaluationTime"] = json!("2030-06-01T00:00:00.5Z");
    let d = e.evaluate_str(&request.to_string()).unwrap();
    assert!(!d.allowed);
    assert_eq!(d.images[0].reasons[0].kind, ReasonKind::KeyExpired);

    for bad in [
        json!("2026-06-01"),
        json!(1_780_000_000),
        json!("2026-06-01T00:00:00+00:00"),
    ] {
        request["evaluationTime"] = bad.clone();
        let err = e.evaluate_str(&request.to_string()).unwrap_err();
        assert_eq!(err.code(), ErrorCode::Invalid, "{bad}");
        assert!(err.to_string().contains("evaluationTime"), "{err}");
    }
    request.as_object_mut().unwrap().remove("evaluationTime");
    let parsed = Request::parse(&request.to_string()).unwrap();
    assert_eq!(parsed.evaluation_time(), None);
    let d = e.evaluate(&parsed);
    assert!(!d.allowed);
    assert!(
        serde_json::to_value(&d.audit)
            .unwrap()
            .get("evaluationTime")
            .is_none()
    );
    let d = e.evaluate(&parsed.with_evaluation_time(at("2026-06-01T00:00:00Z")));
    assert!(d.allowed);
}

#[test]
fn legacy_shape_errors() {
    let c = case("pgp-legacy-pgp-signed-attestation");
    let occ = c["request"]["attestations"][0].clone();
    let parse = |v: Value| Occurrence::from_value(v);
    assert!(parse(occ.clone()).unwrap().payload().is_none());

    let mut v = occ.clone();
    v["attestation"]["attestation"]["pgpSignedAttestation"]
        .as_object_mut()
        .unwrap()
        .remove("pgpKeyId");
    assert!(parse(v).unwrap_err().to_string().contains("pgpKeyId"));

    let mut v = occ.clone();
    v["attestation"]["attestation"] = json!({"genericSignedAttestation": {}});
    assert_eq!(parse(v).unwrap_err().code(), ErrorCode::Unsupported);

    let mut v = occ.clone();
    v["attestation"]["signatures"] = json!([{"publicKeyId": "x", "signature": "AA=="}]);
    v["attestation"]["serializedPayload"] = json!("e30=");
    assert!(parse(v).unwrap_err().to_string().contains("not both"));

    let mut v = occ.clone();
    v["resourceUri"] = json!(format!("{}x", v["resource"]["uri"].as_str().unwrap()));
    assert!(parse(v).unwrap_err().to_string().contains("resource.uri"));

    let mut v = occ;
    v["attestation"]["attestation"]["pgpSignedAttestation"]["extra"] = json!(1);
    assert!(parse(v).unwrap_err().to_string().contains("extra"));
}

#[test]
fn a_pgp_key_and_a_pkix_key_in_one_attestor() {
    // Key rotation from PKIX to PGP: both keys, the PGP signature satisfies the attestor.
    let c = case("pgp-rsa3072-attached-armored");
    let mut config = c["config"].clone();
    let pkix = case("alg-ecdsa-p256-sha256-valid")["config"]["attestors"][0]
        ["userOwnedGrafeasNote"]["publicKeys"][0]
        .clone();
    config["attestors"][0]["userOwnedGrafeasNote"]["publicKeys"]
        .as_array_mut()
        .unwrap()
        .insert(0, pkix);
    let e = Engine::from_config_str(&config.to_string()).unwrap();
    let d = e.evaluate_str(&c["request"].to_string()).unwrap();
    assert!(d.allowed, "{}", d.to_json_pretty());
    let keys = e.attestors().next().unwrap().keys();
    assert_eq!(keys.len(), 2);
    assert_eq!(keys[1].algorithm_name(), "PGP_RSA");
}

/// ASCII armor of binary OpenPGP packets, without the optional checksum line (RFC 9580 §6).
fn armored(packets: &[u8]) -> String {
    let body = base64::engine::general_purpose::STANDARD.encode(packets);
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .map(|l| std::str::from_utf8(l).unwrap())
        .collect();
    format!(
        "-----BEGIN PGP MESSAGE-----\n\n{}\n-----END PGP MESSAGE-----\n",
        lines.join("\n")
    )
}

#[test]
fn a_binary_openpgp_attestation_does_not_count_and_says_how_to_armor_it() {
    let c = case("pgp-nistp256-binary");
    let (payload, sig) = signed("pgp-nistp256-binary");
    assert!(sig[0] & 0x80 != 0, "binary OpenPGP packets");
    let time = at("2026-06-01T00:00:00Z");
    let k = key("nistp256");
    // A genuine signature: OpenPGP verification accepts it...
    assert!(k.verify(&sig, Some(&payload), time).is_ok());
    // ...but an attestation must be ASCII-armored, as GCP documents (spec §11.2).
    let mut work = binauthz_core::budget::Work::default();
    let e = k
        .verify_attestation_counted(&sig, Some(&payload), time, &mut work)
        .unwrap_err();
    assert_eq!(e.kind, PgpFailureKind::Invalid);
    assert!(e.message.contains("gpg --armor --sign"), "{}", e.message);
    assert_eq!(
        work.verification_points, 0,
        "refused before any verification"
    );
    let d = engine(&c).evaluate_str(&c["request"].to_string()).unwrap();
    assert!(!d.allowed);
    let reason = &d.images[0].reasons[0];
    assert_eq!(reason.kind, ReasonKind::SignatureInvalid);
    assert!(
        reason.message.contains("gpg --armor --sign"),
        "{}",
        reason.message
    );

    // The same packets armored count: only the encoding was refused.
    assert!(
        k.verify_attestation_counted(armored(&sig).as_bytes(), Some(&payload), time, &mut work)
            .is_ok()
    );
    let mut request = c["request"].clone();
    request["attestations"][0]["attestation"]["signatures"][0]["signature"] = json!(armored(&sig));
    let d = engine(&c).evaluate_str(&request.to_string()).unwrap();
    assert!(d.allowed, "{}", d.to_json_pretty());
}

#[test]
fn a_malformed_binary_message_is_reported_as_malformed() {
    // What is wrong with the packets is said first: the encoding is refused only for a message
    // that is otherwise well-formed.
    let (payload, sig) = signed("pgp-nistp256-binary");
    let truncated = &sig[..sig.len() / 2];
    let e = key("nistp256")
        .verify_attestation_counted(
            truncated,
            Some(&payload),
            at("2026-06-01T00:00:00Z"),
            &mut binauthz_core::budget::Work::default(),
        )
        .unwrap_err();
    assert!(!e.message.contains("--armor"), "{}", e.message);
}
