//! `evaluateAsync`'s verifier: the PKIX signature checks of a request's plan
//! ([`binauthz_core::Engine::plan`]) verified by the host's WebCrypto (`crypto.subtle`), all at
//! once, before the engine decides with their outcomes
//! ([`binauthz_core::Engine::evaluate_verified`]).
//!
//! WebCrypto is only ever trusted to say "this signature verifies": the signature it is given
//! is [`binauthz_core::PlannedCheck::host_signature`], which the core has already checked for
//! structure (a malformed signature is never sent), and an acceptance counts only after the core
//! checks that structure again. Anything else — a rejection, a `crypto.subtle` that is missing,
//! an `importKey` or `verify` that throws or rejects — is simply not recorded, so the core
//! verifies that check itself and the decision is, byte for byte, the one `evaluate` makes.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use binauthz_core::crypto::HostSignature;
use binauthz_core::{Engine, Request, Verdicts};
use js_sys::futures::{JsFuture, future_to_promise};
use js_sys::{Array, Object, Promise, Reflect, Uint8Array};
use serde::Serialize;
use wasm_bindgen::JsValue;
use wasm_bindgen::prelude::wasm_bindgen;

#[wasm_bindgen]
extern "C" {
    // Looked up at each call (not bound when the module loads), so a host that adds, replaces or
    // removes `crypto.subtle` later is followed; `catch` turns a synchronous throw (including
    // "crypto is undefined") into an `Err`. The results are `JsValue`s, not `Promise`s, because
    // nothing makes a replaced function return a promise: see `settled`.
    #[wasm_bindgen(js_namespace = ["globalThis", "crypto", "subtle"], js_name = importKey, catch)]
    fn import_key(
        format: &str,
        key_data: &Uint8Array,
        algorithm: &Object,
        extractable: bool,
        usages: &Array,
    ) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(js_namespace = ["globalThis", "crypto", "subtle"], js_name = verify, catch)]
    fn subtle_verify(
        algorithm: &Object,
        key: &JsValue,
        signature: &Uint8Array,
        data: &Uint8Array,
    ) -> Result<JsValue, JsValue>;
}

#[wasm_bindgen]
extern "C" {
    /// `Promise.resolve`, with `catch`: even it can throw (a promise whose `constructor` getter
    /// throws), and nothing a host hands back may throw out of the future.
    #[wasm_bindgen(js_namespace = Promise, js_name = resolve, catch)]
    fn promise_resolve(value: &JsValue) -> Result<Promise, JsValue>;
}

/// What a host function returned, as a real promise: awaiting anything else (a plain value, or
/// an object whose `then` throws) would throw out of the future instead of settling it.
fn settled(value: &JsValue) -> Result<Promise, JsValue> {
    promise_resolve(value)
}

/// What identifies an imported key: its DER `SubjectPublicKeyInfo` and the WebCrypto algorithm
/// it was imported for (name, hash, curve), since one SPKI may be bound to several algorithms.
type KeyId = (Vec<u8>, &'static str, &'static str, Option<&'static str>);

/// Counters of what WebCrypto was asked and answered, since the engine was built.
#[derive(Debug, Default, Clone, Copy, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WebCryptoStats {
    /// `importKey` calls made (a key is imported once per engine, again only after a failure).
    pub keys_imported: u64,
    /// Verifications WebCrypto accepted (each then re-checked for structure by the engine).
    pub accepted: u64,
    /// Verifications WebCrypto rejected (each verified again by the engine, for its reason).
    pub rejected: u64,
    /// `importKey` or `verify` calls that threw or rejected (verified by the engine instead).
    pub failed: u64,
    /// Checks never sent because the core found the signature malformed.
    pub malformed: u64,
    /// `evaluateAsync` calls made without `crypto.subtle` (verified by the engine alone).
    pub unavailable: u64,
}

/// The imported `CryptoKey`s of one engine (as the promises `importKey` returned, so that
/// concurrent requests for a key share one import) and its counters. Clones share both.
#[derive(Debug, Default, Clone)]
pub struct KeyCache {
    keys: Rc<RefCell<HashMap<KeyId, Promise>>>,
    stats: Rc<Cell<WebCryptoStats>>,
}

impl KeyCache {
    /// The counters so far.
    pub fn stats(&self) -> WebCryptoStats {
        self.stats.get()
    }

    fn count(&self, update: impl FnOnce(&mut WebCryptoStats)) {
        let mut stats = self.stats.get();
        update(&mut stats);
        self.stats.set(stats);
    }

    /// The key's import, started now unless one was started before. The map is borrowed only
    /// within this call, never across an await, so concurrent evaluations cannot trip over it.
    fn import(&self, id: &KeyId) -> Result<Promise, JsValue> {
        if let Some(found) = self.keys.borrow().get(id) {
            return Ok(found.clone());
        }
        let (spki, name, hash, curve) = id;
        let algorithm = object(&[
            ("name", JsValue::from_str(name)),
            match curve {
                Some(curve) => ("namedCurve", JsValue::from_str(curve)),
                None => ("hash", JsValue::from_str(hash)),
            },
        ])?;
        let usages = Array::of1(&JsValue::from_str("verify"));
        let promise = settled(&import_key(
            "spki",
            &Uint8Array::from(spki.as_slice()),
            &algorithm,
            false,
            &usages,
        )?)?;
        self.count(|s| s.keys_imported += 1);
        self.keys.borrow_mut().insert(id.clone(), promise.clone());
        Ok(promise)
    }

    /// Forgets a key whose import failed, so that a later request tries again.
    fn forget(&self, id: &KeyId) {
        self.keys.borrow_mut().remove(id);
    }
}

/// A plain object with these properties.
fn object(properties: &[(&str, JsValue)]) -> Result<Object, JsValue> {
    let object = Object::new();
    for (name, value) in properties {
        Reflect::set(&object, &JsValue::from_str(name), value)?;
    }
    Ok(object)
}

/// Whether `globalThis.crypto.subtle` is there to be asked (a page served over plain HTTP from
/// another host, or an old runtime, has none).
fn subtle_available() -> bool {
    let global = js_sys::global();
    Reflect::get(&global, &JsValue::from_str("crypto"))
        .ok()
        .filter(JsValue::is_object)
        .and_then(|crypto| Reflect::get(&crypto, &JsValue::from_str("subtle")).ok())
        .is_some_and(|subtle| subtle.is_object())
}

/// One check to send: everything copied out of the plan (which borrows the engine and the
/// request) into JavaScript-owned buffers, since the verification outlives this call.
struct Job {
    key: KeyId,
    signature: HostSignature,
    signature_bytes: Uint8Array,
    message: Uint8Array,
}

/// Whether WebCrypto accepts one signature: `Ok(true)` only when `verify` resolved to `true`.
async fn host_accepts(keys: KeyCache, job: Job) -> Result<bool, JsValue> {
    let import = keys.import(&job.key)?;
    let key = match JsFuture::from(import).await {
        Ok(key) => key,
        Err(e) => {
            keys.forget(&job.key);
            return Err(e);
        }
    };
    let sig = &job.signature;
    let mut params = vec![("name", JsValue::from_str(sig.name))];
    match (sig.named_curve, sig.salt_length) {
        // ECDSA names its hash at verification; RSA keys carry theirs from the import.
        (Some(_), _) => params.push(("hash", JsValue::from_str(sig.hash))),
        // A salt length is the digest's length (32 or 64): exact as a JavaScript number.
        #[allow(clippy::cast_precision_loss)]
        (None, Some(salt)) => params.push(("saltLength", JsValue::from_f64(salt as f64))),
        (None, None) => {}
    }
    let algorithm = object(&params)?;
    let verdict = JsFuture::from(settled(&subtle_verify(
        &algorithm,
        &key,
        &job.signature_bytes,
        &job.message,
    )?)?)
    .await?;
    Ok(verdict.as_bool() == Some(true))
}

/// Verifies every check of `request`'s plan with WebCrypto, in parallel, and returns the
/// acceptances. Never fails: whatever WebCrypto could not answer is left for the engine.
pub async fn verify(engine: &Engine, request: &Request, keys: &KeyCache) -> Verdicts {
    let mut verdicts = Verdicts::new();
    let plan = engine.plan(request);
    if plan.is_empty() {
        return verdicts;
    }
    if !subtle_available() {
        keys.count(|s| s.unavailable += 1);
        return verdicts;
    }
    let mut ids = Vec::with_capacity(plan.len());
    let pending = Array::new();
    for check in plan.checks() {
        // A malformed signature is the engine's to report; WebCrypto is never asked about it.
        let Ok(signature) = check.host_signature() else {
            keys.count(|s| s.malformed += 1);
            continue;
        };
        let job = Job {
            key: (
                check.key().spki_der().to_vec(),
                signature.name,
                signature.hash,
                signature.named_curve,
            ),
            signature_bytes: Uint8Array::from(signature.signature.as_slice()),
            message: Uint8Array::from(check.message()),
            signature,
        };
        let keys = keys.clone();
        // Each check is its own promise, resolving to true, false or null (failed) and never
        // rejecting, so that Promise.all waits for every one of them.
        pending.push(&future_to_promise(async move {
            Ok(match host_accepts(keys, job).await {
                Ok(accepted) => JsValue::from_bool(accepted),
                Err(_) => JsValue::NULL,
            })
        }));
        ids.push(check.id());
    }
    // Settled per check above, so this resolves; an Err would mean nothing was learnt.
    let Ok(answers) = JsFuture::from(Promise::all(&pending)).await else {
        return verdicts;
    };
    let answers = Array::from(&answers);
    for (i, id) in ids.into_iter().enumerate() {
        let answer = u32::try_from(i).map_or(JsValue::NULL, |i| answers.get(i));
        match answer.as_bool() {
            Some(true) => {
                keys.count(|s| s.accepted += 1);
                verdicts.host_verified(id);
            }
            Some(false) => keys.count(|s| s.rejected += 1),
            None => keys.count(|s| s.failed += 1),
        }
    }
    verdicts
}
