#!/usr/bin/env bash
# Runs `binauthz evaluate` on spec/examples and checks the outcomes spec/examples/README.md
# documents: exit status, verdict lines and error messages; then `binauthz test` on the example
# policy tests (spec/README.md §14), which must pass, and must fail when an expectation is wrong.
#   bash scripts/cli-examples.sh [PATH-TO-binauthz]
set -uo pipefail
BIN=$(realpath "${1:-target/debug/binauthz}")
cd "$(dirname "$0")/../spec/examples"
API=us-docker.pkg.dev/acme/payments/api@sha256:cc3ee79228b782d6da9f514307292a5c017ed8c67615686dabfff7c05fdd3ce6
WORKER=us-docker.pkg.dev/acme/payments/worker@sha256:f902dfc35a58ee5073167c3776c130f250af83d09e7e21548f3ce6c8f9125cff
MIGRATE=us-docker.pkg.dev/acme/base-images/migrate:1.2
EVAL=("$BIN" evaluate --policy policy.yaml --attestor attestors.yaml --attestations attestations.json)
passed=0 failed=0

# check NAME WANT_STATUS WANT_PATTERN -- COMMAND...: runs COMMAND, checks its exit status and
# that stdout+stderr matches the extended regex.
check() {
  local name=$1 want=$2 pattern=$3; shift 4
  local out status
  out=$("$@" 2>&1); status=$?
  if [[ $status -eq $want ]] && grep -Eq -- "$pattern" <<<"$out"; then
    passed=$((passed + 1)); echo "ok   $name"
  else
    failed=$((failed + 1)); echo "FAIL $name: exit $status (want $want), output:"; echo "$out" | sed 's/^/    /'
  fi
}

check "pod in payments is blocked by the worker" 1 "^DENIED +us-docker.pkg.dev/acme/payments/worker" -- \
  "${EVAL[@]}" --namespace payments --image "$MIGRATE" --image "$API" --image "$WORKER"
check "api is allowed" 0 "^ALLOWED +$API" -- "${EVAL[@]}" --image "$API"
check "migrate is allowlisted" 0 "^ALLOWED .*admissionWhitelistPatterns" -- "${EVAL[@]}" --image "$MIGRATE"
check "system image under ENABLE" 0 "Google system image" -- "${EVAL[@]}" --image gke.gcr.io/kube-proxy:v1
check "tag is denied" 1 "expected digest with sha256 scheme" -- "${EVAL[@]}" --image us-docker.pkg.dev/acme/payments/api:v1.4.2
check "staging is dry run" 0 "^DRY_RUN_VIOLATION" -- "${EVAL[@]}" --namespace staging --image us-docker.pkg.dev/acme/payments/api:v1.4.2
check "breakglass admits the worker" 0 "^BREAKGLASS +$WORKER" -- "${EVAL[@]}" --breakglass --image "$WORKER"
check "json output has allowed" 1 '^  "allowed": false' -- "${EVAL[@]}" --output json --image "$WORKER"
check "missing attestor file names the attestor" 2 "no attestor with that name" -- \
  "$BIN" evaluate --policy policy.yaml --image "$API"
check "bad policy names the file and field" 2 "bad-policy.yaml: .defaultAdmissionRule.evaluationMode.: unknown variant" -- \
  bash -c "sed 's/evaluationMode: REQUIRE_ATTESTATION/evaluationMode: REQUIRE_ATTESTATIONS/' policy.yaml > \"\${TMPDIR:-/tmp}/bad-policy.yaml\" && cd \"\${TMPDIR:-/tmp}\" && '$BIN' evaluate --policy bad-policy.yaml --image x"
check "usage error exits 2" 2 "required" -- "$BIN" evaluate --policy policy.yaml
check "Cloud Run service is allowed" 0 "^allowed: Cloud Run service .payments-api." -- \
  "${EVAL[@]}" --manifest cloud-run-service.yaml
check "Cloud Run decision names its platform" 0 '"platform": "cloudRun"' -- \
  "${EVAL[@]}" --manifest cloud-run-service.yaml --output json
check "Cloud Run service without the annotation is not checked" 0 "^ALLOWED .*\\[not enabled\\]" -- \
  bash -c "grep -v 'binary-authorization: default' cloud-run-service.yaml | '$BIN' evaluate --policy policy.yaml --attestor attestors.yaml --manifest -"
check "--assume-enabled evaluates it anyway" 1 "^DENIED +us-docker.pkg.dev/acme/payments/api" -- \
  bash -c "grep -v 'binary-authorization: default' cloud-run-service.yaml | '$BIN' evaluate --policy policy.yaml --attestor attestors.yaml --manifest - --assume-enabled"
check "the example policy tests pass" 0 " 0 failed, 0 errors" -- "$BIN" test .
check "a wrong expectation fails the policy tests" 1 "FAIL  staging only logs a violation" -- \
  bash -c "T=\$(mktemp -d) && cp -r . \"\$T\" && sed -i 's/verdict: DRY_RUN_VIOLATION/verdict: DENIED/' \"\$T/policy_test.yaml\" && '$BIN' test \"\$T\"; s=\$?; rm -rf \"\$T\"; exit \$s"
check "policy tests in JUnit XML" 0 "^<testsuites name=.binauthz test. tests=.[0-9]+. failures=.0. errors=.0.>" -- \
  "$BIN" test . --output junit

PLATFORM=("$BIN" platform-policy evaluate platform/platform-policy.yaml --object platform/pods.json
  --attestations attestations.json --cosign-signatures platform/cosign-signatures.jsonl
  --docker-images platform/docker-images.json --vulnerabilities platform/vulnerabilities.json
  --evaluation-time 2026-11-30T12:00:00Z)
check "platform policy: the worker violates it" 1 "^NON_CONFORMANT +pod payments/worker-5f8c2" -- "${PLATFORM[@]}"
check "platform policy: the cosign-signed tool conforms" 1 "^CONFORMANT +pod tools/reports-28190" -- "${PLATFORM[@]}"
check "platform policy: GCP's response shape" 1 '^  "verdict": "NON_CONFORMANT"' -- "${PLATFORM[@]}" --output json
check "platform policy: CV log lines" 1 '"podEvent":\{"podNamespace":"default","pod":"miner"' -- "${PLATFORM[@]}" --output cv-log
check "platform policy validates" 0 "OK: 1 allowlist patterns, 2 check sets" -- \
  "$BIN" platform-policy validate platform/platform-policy.yaml
echo "cli: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
