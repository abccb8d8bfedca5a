#!/usr/bin/env python3
"""Checks the manifests of deploy/ and runs them: the binauthz-webhook executable given (built by
scripts/build-webhook.sh, as the Dockerfile builds it) is started exactly as the Deployment says,
with the ConfigMaps and the TLS Secret laid out as the kubelet mounts them (`..data` symlinks),
and is asked what the API server would ask, over HTTPS, by the Service's DNS name.

    python3 deploy/check.py BINARY WORKDIR       (scripts/test-deploy.sh runs it)

Asserts shapes and answers, never timings."""
import base64
import json
import os
import pathlib
import re
import signal
import ssl
import subprocess
import sys
import time
import urllib.request

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def documents():
    out = {}
    for path in sorted(p for p in DEPLOY.glob("*.yaml") if p.name != "kustomization.yaml"):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc:
                out[(doc["kind"], doc["metadata"]["name"])] = doc
    return out


def manifests(docs, binary):
    kustomization = yaml.safe_load((DEPLOY / "kustomization.yaml").read_text())
    listed = set(kustomization["resources"])
    on_disk = {p.name for p in DEPLOY.glob("*.yaml")} - {"kustomization.yaml"}
    check(listed == on_disk, f"kustomization lists every manifest ({sorted(on_disk - listed)} missing)")

    webhook = docs[("ValidatingWebhookConfiguration", "binauthz-webhook")]["webhooks"][0]
    deployment = docs[("Deployment", "binauthz-webhook")]
    service = docs[("Service", "binauthz-webhook")]
    namespace = deployment["metadata"]["namespace"]
    check(webhook["failurePolicy"] == "Fail", "failurePolicy is Fail (fail closed)")
    check(webhook["sideEffects"] == "None", "sideEffects None")
    check({"v1", "v1beta1"} <= set(webhook["admissionReviewVersions"]), "admissionReviewVersions v1 and v1beta1")
    exempt = [e for e in webhook["namespaceSelector"]["matchExpressions"]
              if e["key"] == "kubernetes.io/metadata.name" and e["operator"] == "NotIn"]
    check(exempt and {"kube-system", namespace} <= set(exempt[0]["values"]),
          f"kube-system and {namespace} are exempt")
    client = webhook["clientConfig"]["service"]
    check((client["name"], client["namespace"], client["path"]) ==
          (service["metadata"]["name"], service["metadata"]["namespace"], "/validate"),
          "the webhook calls the Service on /validate")
    resources = {r for rule in webhook["rules"] for r in rule["resources"]}
    check({"pods", "deployments", "cronjobs", "jobs", "statefulsets", "daemonsets", "replicasets"} <= resources,
          "every workload kind binauthz reads is registered")
    check(all(set(rule["operations"]) == {"CREATE", "UPDATE"} for rule in webhook["rules"]), "CREATE and UPDATE")

    container = deployment["spec"]["template"]["spec"]["containers"][0]
    args = dict(a[2:].split("=", 1) for a in container["args"])
    timeout = float(args["request-timeout"].rstrip("s"))
    check(timeout < webhook["timeoutSeconds"], "--request-timeout is below the webhook's timeoutSeconds")
    grace = deployment["spec"]["template"]["spec"].get("terminationGracePeriodSeconds", 30)
    delay = float(args.get("shutdown-delay", "0s").rstrip("s"))
    check(delay + timeout + 2 < grace, "--shutdown-delay and the running reviews fit in terminationGracePeriodSeconds")
    usage = subprocess.run([binary, "-h"], capture_output=True, text=True).stderr
    known = set(re.findall(r"^\s+-([a-z-]+)", usage, re.M))
    check(set(args) <= known, f"every flag of the Deployment exists ({sorted(set(args) - known)} unknown)")
    certificate = docs[("Certificate", "binauthz-webhook")]
    dns = f"{service['metadata']['name']}.{namespace}.svc"
    check(dns in certificate["spec"]["dnsNames"], f"the certificate names {dns}")
    volumes = {v["name"]: v for v in deployment["spec"]["template"]["spec"]["volumes"]}
    check(volumes["tls"]["secret"]["secretName"] == certificate["spec"]["secretName"],
          "the Deployment mounts the certificate's Secret")
    return container, volumes, dns


def mount(target, files):
    """Lays out files as the kubelet mounts a ConfigMap or Secret: the data in a timestamped
    directory, `..data` pointing at it, and each key a symlink through `..data`."""
    target.mkdir(parents=True, exist_ok=True)
    stamp = target / f"..{time.time_ns()}"
    stamp.mkdir()
    for key, data in files.items():
        (stamp / key).write_bytes(data)
    tmp = target / "..data_tmp"
    if tmp.is_symlink():
        tmp.unlink()
    tmp.symlink_to(stamp.name)
    os.replace(tmp, target / "..data")
    for key in files:
        link = target / key
        if not link.is_symlink():
            link.symlink_to(f"..data/{key}")


def post(url, body, context):
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, context=context, timeout=30) as response:
        return json.loads(response.read())


def review(obj, uid):
    return json.dumps({
        "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
        "request": {"uid": uid, "kind": {"group": "apps", "version": "v1", "kind": obj["kind"]},
                    "resource": {"group": "apps", "version": "v1", "resource": "deployments"},
                    "namespace": obj["metadata"]["namespace"], "operation": "CREATE",
                    "userInfo": {"username": "check"}, "object": obj}}).encode()


def run(binary, work, docs, container, volumes, dns):
    # The mounts, with the manifests' own data; a certificate for the Service's DNS name.
    root = work / "mounts"
    paths = {}
    for m in container["volumeMounts"]:
        paths[m["mountPath"]] = root / m["name"]
        volume = volumes[m["name"]]
        if "configMap" in volume:
            data = docs[("ConfigMap", volume["configMap"]["name"])]["data"]
            mount(root / m["name"], {k: v.encode() for k, v in data.items()})
    keydir = work / "key"
    keydir.mkdir(parents=True, exist_ok=True)
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-days", "1", "-subj", f"/CN={dns}", "-addext", f"subjectAltName=DNS:{dns}",
                    "-keyout", str(keydir / "tls.key"), "-out", str(keydir / "tls.crt")],
                   check=True, capture_output=True)
    mount(root / "tls", {"tls.crt": (keydir / "tls.crt").read_bytes(), "tls.key": (keydir / "tls.key").read_bytes()})

    args = []
    for a in container["args"]:
        name, value = a[2:].split("=", 1)
        if name == "listen":
            value = "127.0.0.1:0"
        for mount_path, local in paths.items():
            if value.startswith(mount_path + "/") or value == mount_path:
                value = str(local) + value[len(mount_path):]
        args.append(f"--{name}={value}")
    stderr = open(work / "stderr.log", "w+")
    stdout = open(work / "stdout.log", "w+")
    server = subprocess.Popen([binary, *args], stdout=stdout, stderr=stderr)
    try:
        address = None
        for _ in range(400):
            stderr.seek(0)
            for line in stderr:
                entry = json.loads(line)
                if entry.get("message") == "listening":
                    address = entry["address"]
            if address or server.poll() is not None:
                break
            time.sleep(0.05)
        check(address is not None, f"the server started with the Deployment's arguments ({args})")
        if address is None:
            stderr.seek(0)
            print(stderr.read())
            return
        port = address.rsplit(":", 1)[1]
        # The API server calls https://SERVICE.NAMESPACE.svc:443/validate and checks the name
        # against caBundle; here the name resolves to loopback.
        context = ssl.create_default_context(cafile=str(keydir / "tls.crt"))
        context.check_hostname = False  # the name is checked below, against the peer certificate
        base = f"https://127.0.0.1:{port}"
        for probe in ("readinessProbe", "livenessProbe"):
            path = container[probe]["httpGet"]["path"]
            with urllib.request.urlopen(base + path, context=context, timeout=30) as r:
                check(r.status == 200, f"{probe} {path} answers 200")
        strict = ssl.create_default_context(cafile=str(keydir / "tls.crt"))
        with strict.wrap_socket(__import__("socket").create_connection(("127.0.0.1", int(port))),
                                server_hostname=dns) as s:
            check(s.version() is not None, f"the served certificate is valid for {dns}")

        deployment = yaml.safe_load((ROOT / "spec/examples/deployment.yaml").read_text())
        answer = post(base + "/validate", review(deployment, "deploy-1"), context)["response"]
        check(answer["uid"] == "deploy-1" and answer["allowed"] is False and answer["status"]["code"] == 403
              and "security-scan" in answer["status"]["message"],
              "spec/examples/deployment.yaml in payments is denied (the worker lacks its scan)")
        # In staging (built-by-ci only, dry run), a worker nobody attested is admitted, with a
        # warning kubectl prints.
        deployment["metadata"]["namespace"] = "staging"
        for c in deployment["spec"]["template"]["spec"]["containers"]:
            if c["name"] == "worker":
                c["image"] = c["image"].split("@")[0] + "@sha256:" + "f" * 64
        answer = post(base + "/validate", review(deployment, "deploy-2"), context)["response"]
        check(answer["allowed"] is True and any("dry" in w.lower() for w in answer.get("warnings", [])),
              f"an unattested worker in staging is admitted with a dry-run warning: {answer.get('warnings')}")
        with urllib.request.urlopen(base + "/metrics", context=context, timeout=30) as r:
            metrics = r.read().decode()
        check('binauthz_webhook_decisions_total{verdict="denied"} 1' in metrics, "/metrics counts the denial")
    finally:
        server.send_signal(signal.SIGTERM)
        code = server.wait(timeout=60)
        check(code == 0, f"SIGTERM: exit status {code}")
    stdout.seek(0)
    audit = [json.loads(line) for line in stdout if line.strip()]
    check(len(audit) == 2 and audit[0]["severity"] == "NOTICE" and audit[1]["severity"] == "WARNING",
          f"two audit lines, a denial (NOTICE) and a dry-run (WARNING): {[a.get('severity') for a in audit]}")


def main():
    binary, work = sys.argv[1], pathlib.Path(sys.argv[2])
    work.mkdir(parents=True, exist_ok=True)
    docs = documents()
    container, volumes, dns = manifests(docs, binary)
    run(binary, work, docs, container, volumes, dns)
    print(f"deploy/: {len(failures)} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
