// The comparisons behind webcrypto.test.cjs, as one self-contained function so that the same
// source runs in Node (on pkg/) and, sent as text, in headless Chromium (on pkg-web/): it uses
// nothing but its arguments and globalThis. It returns counts and the first disagreements; the
// test asserts on them.
//
//   evaluateAsync(request) must resolve to exactly what evaluate(request) returns (or reject with
//   exactly what it throws), whether WebCrypto is there, missing, failing, or lying.

/**
 * @param binauthz the module (Node's pkg/ or the browser's pkg-web/, initialised)
 * @param input {cases: [{file, config, request, expectError}], groups: [{file, algorithm, pem, tests: [{tcId, result, msg, sig}]}]}
 *   (msg and sig in base64)
 */
async function webCryptoSuite(binauthz, input) {
  const out = { cases: 0, casesCompared: 0, casesRejected: 0, vectors: 0, groups: 0, groupsAsked: 0, modes: {}, mismatches: [], stats: null, vectorStats: null, hostVsRust: [], rustVerdicts: { accepted: 0, rejected: 0, neither: 0 }, liar: {}, pending: null };
  const MAX_MISMATCHES = 20;
  const mismatch = (what) => out.mismatches.length < MAX_MISMATCHES && out.mismatches.push(what);
  const zero = () => ({ keysImported: 0, accepted: 0, rejected: 0, failed: 0, malformed: 0, unavailable: 0 });
  const add = (sum, s) => {
    for (const k of Object.keys(sum)) sum[k] += s[k];
    return sum;
  };
  const errorOf = (e) =>
    JSON.stringify({ isError: e instanceof Error, name: e?.name, message: e?.message, code: e?.code, stage: e?.stage, path: e?.path, errors: e?.errors });
  const sync = (fn) => {
    try {
      return { value: JSON.stringify(fn()) };
    } catch (e) {
      return { error: errorOf(e) };
    }
  };
  const later = async (fn) => {
    try {
      const promise = fn();
      if (!(promise instanceof Promise)) return { error: "evaluateAsync did not return a Promise" };
      return { value: JSON.stringify(await promise) };
    } catch (e) {
      return { error: errorOf(e) };
    }
  };
  const same = (a, b) => a.value === b.value && a.error === b.error;
  const compile = (config) => {
    try {
      return new binauthz.Engine(config);
    } catch {
      return null;
    }
  };

  /** Every case, each on two fresh engines: evaluate on one, evaluateAsync on the other, twice
   * (cold, then warm from the verification cache). The WebCrypto counters of the async engines. */
  async function conformance(mode) {
    const stats = zero();
    const perCase = [];
    for (const c of input.cases) {
      const a = compile(c.config);
      if (!a) continue; // a config error: nothing to evaluate
      const b = compile(c.config);
      const cold = [sync(() => a.evaluate(c.request)), await later(() => b.evaluateAsync(c.request))];
      const coldStats = b.webCryptoStats();
      const warm = [sync(() => a.evaluate(c.request)), await later(() => b.evaluateAsync(c.request))];
      const warmStats = b.webCryptoStats();
      a.free();
      b.free();
      perCase.push({ file: c.file, cold, stats: coldStats });
      add(stats, warmStats);
      if (mode === "webcrypto") {
        out.cases += 1;
        if (cold[0].error) out.casesRejected += 1;
        else out.casesCompared += 1;
        if (c.expectError && !cold[0].error) mismatch(`${c.file}: expected an error, evaluate decided`);
      }
      if (!same(...cold)) mismatch(`${mode} ${c.file} (cold): evaluate ${JSON.stringify(cold[0]).slice(0, 400)} / evaluateAsync ${JSON.stringify(cold[1]).slice(0, 400)}`);
      if (!same(...warm)) mismatch(`${mode} ${c.file} (warm): evaluate ${JSON.stringify(warm[0]).slice(0, 400)} / evaluateAsync ${JSON.stringify(warm[1]).slice(0, 400)}`);
      if (warmStats.keysImported !== coldStats.keysImported) mismatch(`${mode} ${c.file}: the warm engine imported a key again`);
    }
    out.modes[mode] = stats;
    return perCase;
  }

  /** Replaces a property of `target` for the duration of `fn`, then puts the original back. */
  async function replacing(target, name, value, fn) {
    const own = Object.getOwnPropertyDescriptor(target, name);
    Object.defineProperty(target, name, { value, configurable: true, writable: true });
    try {
      return await fn();
    } finally {
      if (own) Object.defineProperty(target, name, own);
      else delete target[name];
    }
  }

  // 1. Every conformance case, with the host's WebCrypto.
  await conformance("webcrypto");
  out.stats = out.modes.webcrypto;

  // 2. Wycheproof: for each vector, a request whose occurrence carries the vector's message as
  // its payload and its signature, under an attestor with the group's key. Decisions must be
  // identical, and WebCrypto must accept exactly what the engine's own verifier accepts.
  const IMAGE = "gcr.io/wycheproof/app@sha256:" + "ab".repeat(32);
  const vectorStats = zero();
  const SIGNATURE_VERIFIED = new Set(["payloadNotJson", "payloadMissingDigest", "payloadDigestMismatch", "signedDataMismatch", "attested"]);
  for (const group of input.groups) {
    const config = {
      policy: { defaultAdmissionRule: { evaluationMode: "REQUIRE_ATTESTATION", enforcementMode: "ENFORCED_BLOCK_AND_AUDIT_LOG", requireAttestationsBy: ["projects/w/attestors/a"] } },
      attestors: [{ name: "projects/w/attestors/a", userOwnedGrafeasNote: { noteReference: "projects/w/notes/a", publicKeys: [{ id: "k", pkixPublicKey: { publicKeyPem: group.pem, signatureAlgorithm: group.algorithm } }] } }],
    };
    const a = compile(config);
    const b = compile(config);
    if (!a || !b) {
      mismatch(`${group.file}: the group's key was rejected`);
      continue;
    }
    out.groups += 1;
    for (const t of group.tests) {
      const request = {
        images: [IMAGE],
        attestations: [{ name: `projects/w/occurrences/${t.tcId}`, resourceUri: `https://${IMAGE}`, noteName: "projects/w/notes/a", kind: "ATTESTATION", attestation: { serializedPayload: t.msg, signatures: [{ publicKeyId: "k", signature: t.sig }] } }],
      };
      const before = b.webCryptoStats();
      const results = [sync(() => a.evaluate(request)), await later(() => b.evaluateAsync(request))];
      const after = b.webCryptoStats();
      out.vectors += 1;
      const label = `${group.file} tcId ${t.tcId} (${t.result})`;
      if (!same(...results)) mismatch(`${label}: evaluate ${JSON.stringify(results[0]).slice(0, 300)} / evaluateAsync ${JSON.stringify(results[1]).slice(0, 300)}`);
      if (results[0].error) continue;
      const kinds = new Set(JSON.parse(results[0].value).images[0].reasons.map((r) => r.kind));
      const rust = [...kinds].some((k) => SIGNATURE_VERIFIED.has(k)) ? "accepted" : kinds.has("signatureInvalid") ? "rejected" : "neither";
      out.rustVerdicts[rust] += 1;
      const host = after.accepted > before.accepted ? "accepted" : after.rejected > before.rejected ? "rejected" : after.malformed > before.malformed ? "malformed" : after.failed > before.failed ? "failed" : "not asked";
      // The engine accepted: WebCrypto must have accepted too. The engine rejected: WebCrypto
      // must not have accepted (it rejected, or the signature was malformed and never sent).
      const agree = rust === "accepted" ? host === "accepted" : rust === "rejected" ? host === "rejected" || host === "malformed" : host === "not asked";
      if (!agree && out.hostVsRust.length < MAX_MISMATCHES) out.hostVsRust.push(`${label}: engine ${rust}, WebCrypto ${host} (${[...kinds].join(",")})`);
    }
    const stats = b.webCryptoStats();
    // One import per engine, however many vectors (each signature is a new check).
    if (stats.accepted + stats.rejected > 0) out.groupsAsked += 1;
    if (stats.keysImported !== (stats.accepted + stats.rejected > 0 ? 1 : 0)) mismatch(`${group.file}: ${stats.keysImported} key imports for one key`);
    add(vectorStats, stats);
    a.free();
    b.free();
  }
  out.vectorStats = vectorStats;

  // 3. Fallback: without globalThis.crypto, with a crypto that has no subtle, and with a subtle
  // whose importKey throws or whose verify rejects (or that returns odd things), the engine
  // verifies everything itself.
  const subtle = globalThis.crypto.subtle;
  await replacing(globalThis, "crypto", undefined, () => conformance("no crypto"));
  await replacing(globalThis, "crypto", {}, () => conformance("no subtle"));
  await replacing(subtle, "importKey", () => {
    throw new Error("importKey is broken");
  }, () => conformance("importKey throws"));
  await replacing(subtle, "verify", () => Promise.reject(new Error("verify is broken")), () => conformance("verify rejects"));
  // A host's replacements need not return promises, nor real keys.
  await replacing(subtle, "verify", () => false, () => conformance("verify returns false"));
  await replacing(subtle, "importKey", () => ({}), () => conformance("importKey returns a non-key"));
  const hostile = {
    get then() {
      throw new Error("no then");
    },
  };
  await replacing(subtle, "verify", () => hostile, () => conformance("verify returns a hostile thenable"));

  // 4. A lying WebCrypto (verify always resolves true) cannot make a malformed signature count:
  // such signatures are never sent, and an acceptance counts only after the engine re-checks
  // the structure. (It is trusted with the arithmetic of well-formed ones: that is what it is
  // asked; the count of cases it changes shows the stub was in effect.)
  let lies = 0;
  const liarCases = await replacing(subtle, "verify", () => {
    lies += 1;
    return Promise.resolve(true);
  }, () => conformance("liar"));
  // conformance("liar") recorded its own mismatches for cases the liar changed; keep those apart.
  out.mismatches = out.mismatches.filter((m) => !m.startsWith("liar "));
  out.liar = { lies, changed: [], malformedUnchanged: [], malformedChanged: [] };
  for (const c of liarCases) {
    const changed = !same(...c.cold);
    if (changed) out.liar.changed.push(c.file);
    if (c.stats.malformed > 0 && c.stats.accepted === 0) (changed ? out.liar.malformedChanged : out.liar.malformedUnchanged).push(c.file);
  }

  // The engine stays usable, and can even be freed, while a promise is pending (WebCrypto is
  // working): the pending evaluations resolve to the decision evaluate makes (diagnostics
  // aside: the engine's meanwhile calls filled the verification cache).
  const valid = input.cases.find((c) => c.file.startsWith("009-"));
  if (valid) {
    const e = compile(valid.config);
    const reference = compile(valid.config);
    const pending = e.evaluateAsync(valid.request);
    await new Promise((resolve) => setTimeout(resolve, 0));
    const meanwhile = [sync(() => e.evaluate(valid.request)), sync(() => e.setCacheCapacity(5)), sync(() => e.cacheStats())];
    const racing = e.evaluateAsync(valid.request);
    e.free();
    const withoutDiagnostics = (d) => JSON.stringify({ ...d, diagnostics: undefined });
    const results = await Promise.all([pending, racing].map((p) => p.then(withoutDiagnostics, errorOf)));
    const expected = withoutDiagnostics(reference.evaluate(valid.request));
    reference.free();
    out.pending = { meanwhileErrors: meanwhile.filter((r) => r.error).map((r) => r.error), resolvedAsEvaluate: results.filter((r) => r === expected).length, allowed: JSON.parse(expected).allowed };
  }
  return out;
}

module.exports = { webCryptoSuite };
