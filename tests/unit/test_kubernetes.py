"""The Kustomize manifests in docker/kubernetes/ render with `kubectl kustomize`, every object is valid
against the Kubernetes schemas (kubernetes-validate), and they keep the rules of the house: probes,
requests and limits, non-root, read-only root file system, secrets only from Secret objects, the front
server's configuration the very file docker/compose.yaml uses."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.front_server import PLACEHOLDER, TEMPLATE
from woo.config import ENVIRONMENT

ROOT = Path(__file__).resolve().parents[2]
KUBE = ROOT / "docker" / "kubernetes"
BUILDS = ["base", "overlays/example", "overlays/all-in-one"]
K8S_VERSION = "1.30"  # the oldest Kubernetes release still supported upstream when this was written
SECRET_SETTINGS = {"WOO_DATABASE_URL", "WOO_S3_ACCESS_KEY", "WOO_S3_SECRET_KEY", "WOO_REDIS_URL", "WOO_SECRET_KEY",
                   "WOO_OIDC_CLIENT_SECRET", "WOO_FRONT_REFRESH_SECRET"}



def _kustomize_too_old() -> str:
    """Why `kubectl kustomize` cannot build these manifests here ('' when it can)."""
    if shutil.which("kubectl") is None:
        return "kubectl is not installed (Debian: apt-get install kubernetes-client; scripts/setup --test does)"
    out = subprocess.run(["kubectl", "version", "--client"], capture_output=True, text=True).stdout
    found = re.search(r"Kustomize Version: v(\d+)", out)
    if not found or int(found.group(1)) < 4:  # components, replicas, patches, labels need kustomize >= 4
        return (f"kubectl's built-in kustomize is too old for these manifests ({out.strip()[:80]}; Debian 12's "
                "kubernetes-client is 1.20): install kubectl >= 1.24")
    return ""


pytestmark = pytest.mark.skipif(bool(_kustomize_too_old()), reason=_kustomize_too_old() or "-")

_rendered: dict[str, list[dict]] = {}


def render(build: str) -> list[dict]:
    if build not in _rendered:
        out = subprocess.run(["kubectl", "kustomize", str(KUBE / build)], capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        _rendered[build] = [doc for doc in yaml.safe_load_all(out.stdout) if doc]
    return _rendered[build]


def by_kind(objects, kind) -> dict[str, dict]:
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == kind}


def pod_specs(objects):
    for o in objects:
        if o["kind"] in {"Deployment", "StatefulSet", "Job"}:
            yield o["metadata"]["name"], o["spec"]["template"]["spec"]


@pytest.mark.parametrize("build", BUILDS)
def test_every_object_is_valid_kubernetes(build):
    import kubernetes_validate

    objects = render(build)
    assert objects
    for obj in objects:
        try:
            kubernetes_validate.validate(obj, K8S_VERSION, strict=True)
        except kubernetes_validate.ValidationError as e:
            pytest.fail(f"{obj['kind']}/{obj['metadata']['name']}: {e.message} at {list(e.path)}")


def test_the_parts_are_there():
    objects = render("overlays/example")
    deployments = by_kind(objects, "Deployment")
    assert set(deployments) == {"woo-web", "woo-worker", "woo-worker-heavy", "woo-front"}
    assert {"woo-web", "woo-front"} <= set(by_kind(objects, "Service"))
    assert all(o["metadata"].get("namespace") == "woo" for o in objects)
    assert deployments["woo-worker"]["spec"]["template"]["spec"]["containers"][0]["args"] == ["woo", "worker"]
    heavy = deployments["woo-worker-heavy"]["spec"]["template"]["spec"]["containers"][0]["args"]
    assert heavy[:2] == ["woo", "worker"] and "woo-heavy" in heavy  # the heavy-work queue, its own pods
    assert deployments["woo-worker"]["spec"]["replicas"] == 2  # scaled by the overlay
    (job,) = by_kind(objects, "Job").values()
    command = " ".join(job["spec"]["template"]["spec"]["containers"][0]["args"])
    assert "woo db upgrade" in command
    web_args = deployments["woo-web"]["spec"]["template"]["spec"]["containers"][0]["args"]
    assert web_args[0] == "gunicorn" and "woo.wsgi:app" in web_args  # migrations are the Job's, not web's
    images = {c["image"] for _, spec in pod_specs(objects) for c in spec["containers"]}
    assert all(":" in image and not image.endswith(":latest") for image in images), images
    all_in_one = by_kind(render("overlays/all-in-one"), "StatefulSet")
    assert set(all_in_one) == {"postgres", "minio", "redis"}
    assert not by_kind(objects, "StatefulSet"), "PostgreSQL, MinIO and Redis are external unless the component is in"


@pytest.mark.parametrize("build", BUILDS)
def test_pods_are_locked_down_and_sized(build):
    for name, spec in pod_specs(render(build)):
        assert spec.get("automountServiceAccountToken") is False, name
        pod_sc = spec.get("securityContext", {})
        assert pod_sc.get("runAsNonRoot") is True and pod_sc.get("runAsUser", 0) != 0, name
        assert pod_sc.get("seccompProfile", {}).get("type") == "RuntimeDefault", name
        for c in spec["containers"]:
            sc = c.get("securityContext", {})
            assert sc.get("readOnlyRootFilesystem") is True, (name, c["name"])
            assert sc.get("allowPrivilegeEscalation") is False, (name, c["name"])
            assert sc.get("capabilities", {}).get("drop") == ["ALL"], (name, c["name"])
            res = c.get("resources", {})
            assert {"cpu", "memory"} <= set(res.get("requests", {})) and {"cpu", "memory"} <= set(res.get("limits", {})), \
                (name, c["name"])
            mounts = {m["mountPath"] for m in c.get("volumeMounts", [])}
            assert "/tmp" in mounts, f"{name}: a read-only root needs a writable /tmp"


def test_probes_use_woo_health_endpoints():
    from woo.app import create_app
    from woo.config import load_settings

    objects = render("overlays/example")
    web = by_kind(objects, "Deployment")["woo-web"]["spec"]["template"]["spec"]["containers"][0]
    paths = {web[p]["httpGet"]["path"] for p in ("readinessProbe", "livenessProbe", "startupProbe")}
    assert paths == {"/healthz", "/readyz"}
    app = create_app(load_settings(ROOT / "var" / "unused", env={"WOO_SECRET_KEY": "x", "WOO_JOBS_INLINE": "1"}))
    routes = {rule.rule for rule in app.url_map.iter_rules()}
    assert paths <= routes
    for name in ("woo-front",):
        c = by_kind(objects, "Deployment")[name]["spec"]["template"]["spec"]["containers"][0]
        assert c.get("readinessProbe") and c.get("livenessProbe"), name
    for name, spec in pod_specs(render("overlays/all-in-one")):
        if name in {"postgres", "minio", "redis"}:
            assert spec["containers"][0].get("readinessProbe") and spec["containers"][0].get("livenessProbe")


@pytest.mark.parametrize("build", BUILDS)
def test_settings_documented_and_secrets_only_from_secret_objects(build):
    objects = render(build)
    assert not by_kind(objects, "Secret"), "secrets are made outside git (docker/kubernetes/README.md)"
    (config,) = [o for name, o in by_kind(objects, "ConfigMap").items() if name.startswith("woo-config")]
    keys = set(config["data"])
    assert keys <= set(ENVIRONMENT), sorted(keys - set(ENVIRONMENT))
    assert not keys & SECRET_SETTINGS and not [k for k in keys if re.search("PASSWORD|SECRET|TOKEN", k)]
    assert config["data"]["WOO_PROXY_HOPS"] == "1"  # one proxy: the woo-front nginx
    for name, spec in pod_specs(objects):
        for c in spec["containers"]:
            for env in c.get("env", []):
                assert "value" not in env or not re.search("PASSWORD|SECRET", env["name"]), (name, env["name"])
            if c["image"].rsplit(":", 1)[0].endswith("/woo"):
                refs = [e for e in c.get("envFrom", []) if "secretRef" in e]
                assert [r["secretRef"]["name"] for r in refs] == ["woo-secrets"], name


def front_labels(objects) -> dict:
    return by_kind(objects, "Deployment")["woo-front"]["spec"]["selector"]["matchLabels"]


def test_front_server_runs_the_shipped_nginx_config():
    objects = render("overlays/example")
    (templates,) = [o for name, o in by_kind(objects, "ConfigMap").items() if name.startswith("woo-front-templates")]
    assert templates["data"] == {"woo.conf.template": TEMPLATE.read_text()}
    front = by_kind(objects, "Deployment")["woo-front"]["spec"]["template"]["spec"]
    (nginx,) = front["containers"]
    env = {e["name"]: e.get("value", e.get("valueFrom")) for e in nginx["env"]}
    assert set(PLACEHOLDER.findall(TEMPLATE.read_text())) <= set(env)
    # refresh on change: the front's secret is woo's, from woo-secrets; woo asks every front pod
    assert env["NGINX_REFRESH_SECRET"] == {"secretKeyRef": {"name": "woo-secrets", "key": "WOO_FRONT_REFRESH_SECRET"}}
    (config,) = [o for name, o in by_kind(objects, "ConfigMap").items() if name.startswith("woo-config")]
    pods = by_kind(objects, "Service")["woo-front-pods"]["spec"]
    assert pods["clusterIP"] == "None" and pods["selector"] == front_labels(objects)
    (port,) = pods["ports"]
    assert config["data"]["WOO_FRONT_REFRESH_URLS"] == f"https://woo-front-pods:{env['NGINX_HTTPS_LISTEN']}"
    assert port["port"] == int(env["NGINX_HTTPS_LISTEN"]) and port["targetPort"] == "https"
    assert env["NGINX_UPSTREAM"] == "woo-web:8000"
    mounts = {m["mountPath"]: m["name"] for m in nginx["volumeMounts"]}
    volumes = {v["name"]: v for v in front["volumes"]}
    assert volumes[mounts["/etc/nginx/templates"]]["configMap"]["name"] == templates["metadata"]["name"]
    tls = volumes[mounts[str(Path(env["NGINX_TLS_CERT"]).parent)]]
    assert tls["secret"]["secretName"] == "woo-tls"
    for path in (env["NGINX_CACHE_DIR"], env["NGINX_RUN_DIR"], "/etc/nginx/conf.d"):
        mount = next(m for m in mounts if path == m or path.startswith(m + "/"))
        assert "emptyDir" in volumes[mounts[mount]], path  # writable on a read-only root
    ports = {p["port"] for p in by_kind(objects, "Service")["woo-front"]["spec"]["ports"]}
    assert ports == {80, 443}


def _takes_heavy_jobs(args: list[str]) -> bool:
    """A worker's args: without --queue it takes both queues (woo.worker.work)."""
    queues = [args[i + 1] for i, a in enumerate(args) if a == "--queue"]
    return args[:2] == ["woo", "worker"] and (not queues or "woo-heavy" in queues)


@pytest.mark.parametrize("build", BUILDS)
def test_transfer_packages_go_to_a_persistent_volume(build):
    """A transfer package (WOO_TRANSFER_DIR) is written by whichever worker takes the heavy-queue job: every such
    pod mounts the one PersistentVolumeClaim there (shared by several pods: ReadWriteMany, or ReadWriteOnce on
    the one node of the all-in-one install)."""
    objects = render(build)
    (config,) = [o for name, o in by_kind(objects, "ConfigMap").items() if name.startswith("woo-config")]
    target = config["data"].get("WOO_TRANSFER_DIR")
    assert target and target.startswith("/")
    claims = by_kind(objects, "PersistentVolumeClaim")
    assert "woo-transfer" in claims
    modes = claims["woo-transfer"]["spec"]["accessModes"]
    assert modes == (["ReadWriteOnce"] if build == "overlays/all-in-one" else ["ReadWriteMany"])
    writers = 0
    for name, spec in pod_specs(objects):
        c = spec["containers"][0]
        if not _takes_heavy_jobs(c.get("args", [])):
            continue
        writers += 1
        vols = {v["name"]: v for v in spec["volumes"]}
        (mount,) = [m for m in c["volumeMounts"] if m["mountPath"] == target]
        assert vols[mount["name"]].get("persistentVolumeClaim", {}).get("claimName") == "woo-transfer", name
        assert not mount.get("readOnly"), name
    assert writers >= 2  # woo-worker (both queues by default) and woo-worker-heavy
