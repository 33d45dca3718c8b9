"""The production files in docker/ agree with the code: settings, services, system packages."""
from __future__ import annotations

import ast
import re
import shlex
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

from woo.config import ENVIRONMENT

ROOT = Path(__file__).resolve().parents[2]
DOCKER = ROOT / "docker"
COMPOSE_TEXT = (DOCKER / "compose.yaml").read_text()
COMPOSE = yaml.safe_load(COMPOSE_TEXT)
SERVICES = COMPOSE["services"]
DOCKERFILE = (DOCKER / "Dockerfile").read_text()
ENTRYPOINT = (DOCKER / "entrypoint.sh").read_text()

REQUIRED_SETTINGS = {"WOO_DATABASE_URL", "WOO_S3_ENDPOINT", "WOO_S3_ACCESS_KEY", "WOO_S3_SECRET_KEY",
                     "WOO_S3_BUCKET", "WOO_REDIS_URL", "WOO_SECRET_KEY"}

# Executables the code may run -> the Debian package that provides them in the image.
TOOL_PACKAGES = {
    "tesseract": "tesseract-ocr", "gs": "ghostscript", "antiword": "antiword", "catdoc": "catdoc",
    "pdftoppm": "poppler-utils", "pdftotext": "poppler-utils", "pdfinfo": "poppler-utils",
    "pdftocairo": "poppler-utils", "soffice": "libreoffice-writer-nogui", "libreoffice": "libreoffice-writer-nogui",
    "qpdf": "qpdf", "unpaper": "unpaper", "pngquant": "pngquant", "file": "file", "7z": "p7zip-full",
}
# Python modules that need a system library or tool at run time.
IMPORT_PACKAGES = {"magic": {"libmagic1"}, "ocrmypdf": {"tesseract-ocr", "ghostscript"}}
# Executables that are not part of the production image on purpose: the embedded stack's servers
# (compose runs real PostgreSQL/MinIO/Redis) and tools that come with pip packages.
# Executables of Debian's Essential packages (util-linux), present in every image without installing.
ESSENTIAL = {"unshare"}
NOT_IN_IMAGE = {"weed", "redis-server", "initdb", "pg_ctl", "postgres", "runuser", "ocrmypdf", "gunicorn"}


def _env(service: str) -> dict[str, str]:
    env = SERVICES[service].get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {k: str(v) for k, v in env.items()}


def _apt_packages() -> set[str]:
    text = DOCKERFILE.replace("\\\n", " ")
    packages: set[str] = set()
    for match in re.finditer(r"apt-get install ([^&\n]*)", text):
        packages |= {tok for tok in match.group(1).split() if not tok.startswith("-")}
    return packages


def _tools_and_imports() -> tuple[set[str], set[str]]:
    """Executables named in woo/ (subprocess calls, shutil.which) and modules it imports."""
    tools, imports = set(), set()
    for path in (ROOT / "woo").rglob("*.py"):
        tree = ast.parse(path.read_text(), str(path))
        runs_things = False
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                imports |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                imports.add(node.module.split(".")[0])
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and isinstance(node.func.value, ast.Name) and node.args:
                owner, name, first = node.func.value.id, node.func.attr, node.args[0]
                if (owner == "subprocess" and name in {"run", "Popen", "check_output", "check_call", "call"}) \
                        or (owner == "bounded" and name == "run"):
                    runs_things = True
                    if isinstance(first, (ast.List, ast.Tuple)) and first.elts \
                            and isinstance(first.elts[0], ast.Constant) and isinstance(first.elts[0].value, str):
                        tools.add(Path(first.elts[0].value).name)
                elif owner == "shutil" and name == "which":
                    runs_things = True
                    if isinstance(first, ast.Constant) and isinstance(first.value, str):
                        tools.add(first.value)
        if runs_things:  # tool names chosen at run time from a table of literals
            tools |= {n.value for n in ast.walk(tree)
                      if isinstance(n, ast.Constant) and isinstance(n.value, str) and n.value in TOOL_PACKAGES}
    return tools, imports


def test_six_services():
    assert set(SERVICES) == {"postgres", "minio", "redis", "web", "worker", "worker-heavy", "front"}


@pytest.mark.parametrize("service", ["web", "worker", "worker-heavy"])
def test_app_services_set_every_required_setting(service):
    env = _env(service)
    assert REQUIRED_SETTINGS <= set(env)
    assert all(env[name].strip() for name in REQUIRED_SETTINGS)


def test_web_and_worker_share_one_configuration():
    assert _env("web") == _env("worker") == _env("worker-heavy")


def test_every_woo_variable_is_documented():
    used = set(re.findall(r"\bWOO_[A-Z0-9_]+", COMPOSE_TEXT + DOCKERFILE + ENTRYPOINT))
    assert used, "the compose file configures woo through WOO_* variables"
    assert used <= set(ENVIRONMENT), f"not in woo.config.ENVIRONMENT: {sorted(used - set(ENVIRONMENT))}"


def test_settings_point_at_the_compose_services():
    env, pg, minio = _env("web"), _env("postgres"), _env("minio")
    db = urlparse(re.sub(r"\$\{[^}]*\}", "secret", env["WOO_DATABASE_URL"]))  # compose interpolation
    assert db.scheme == "postgresql+psycopg"
    assert (db.hostname, db.port, db.path.lstrip("/")) == ("postgres", 5432, pg["POSTGRES_DB"])
    assert db.username == pg["POSTGRES_USER"]
    assert "${POSTGRES_PASSWORD" in env["WOO_DATABASE_URL"] and "${POSTGRES_PASSWORD" in pg["POSTGRES_PASSWORD"]
    assert env["WOO_S3_ENDPOINT"] == "minio:9000"
    assert env["WOO_S3_ACCESS_KEY"] == minio["MINIO_ROOT_USER"]
    assert env["WOO_S3_SECRET_KEY"] == minio["MINIO_ROOT_PASSWORD"]
    redis_url = urlparse(env["WOO_REDIS_URL"])
    assert (redis_url.scheme, redis_url.hostname, redis_url.port) == ("redis", "redis", 6379)
    assert env["WOO_SECRET_KEY"].startswith("${WOO_SECRET_KEY:?"), "no default secret key in production"


def test_images_are_pinned_and_ports_sane():
    for name in ("postgres", "minio", "redis"):
        image = SERVICES[name]["image"]
        assert ":" in image and not image.endswith(":latest"), image
        assert "ports" not in SERVICES[name], f"{name} must not be published on the host"
    assert SERVICES["postgres"]["image"].split(":")[1].startswith("15")
    for name in ("web", "worker", "worker-heavy"):
        assert SERVICES[name]["build"]["dockerfile"] == "docker/Dockerfile"
        assert (DOCKER / SERVICES[name]["build"]["context"] / "pyproject.toml").exists()
    # gunicorn is reached only through the front server (nginx), which alone is published
    assert "ports" not in SERVICES["web"] and SERVICES["web"]["expose"] == ["8000"]
    assert sorted(SERVICES["front"]["ports"]) == ["443:8443", "80:8080"]
    assert "--bind 0.0.0.0:8000" in ENTRYPOINT and "EXPOSE 8000" in DOCKERFILE


def test_healthchecks_and_start_order():
    for name in ("postgres", "minio", "redis", "web", "front"):
        assert SERVICES[name]["healthcheck"]["test"], name
    for name in ("web", "worker", "worker-heavy", "front"):
        for dep, cond in SERVICES[name]["depends_on"].items():
            assert dep in SERVICES and cond["condition"] == "service_healthy"
    assert SERVICES["web"]["depends_on"].keys() >= {"postgres", "minio", "redis"}


def test_commands():
    # light and heavy work on their own workers (issue 12: no head-of-line blocking)
    assert SERVICES["worker"]["command"] == ["woo", "worker", "--queue", "woo", "--queue", "woo-sync"]
    heavy = SERVICES["worker-heavy"]["command"]
    assert heavy[:2] == ["woo", "worker"] and heavy[heavy.index("--queue") + 1] == "woo-heavy"
    assert "--no-maintenance" in heavy and "--no-maintenance" not in SERVICES["worker"]["command"]
    # the web entrypoint migrates before serving
    assert ENTRYPOINT.index("woo db upgrade") < ENTRYPOINT.index("exec gunicorn")
    assert "woo.wsgi:app" in ENTRYPOINT


def test_dockerfile_base_user_and_files():
    assert re.search(r"^FROM python:3\.11-slim-bookworm\b", DOCKERFILE, re.M)
    users = re.findall(r"^USER (\S+)", DOCKERFILE, re.M)
    assert users and users[-1] not in {"root", "0"}
    for line in re.findall(r"^COPY (.+)$", DOCKERFILE, re.M):
        for src in shlex.split(line)[:-1]:
            assert (ROOT / src).exists(), src


def test_dockerfile_installs_what_the_code_shells_out_to():
    tools, imports = _tools_and_imports()
    unknown = tools - set(TOOL_PACKAGES) - NOT_IN_IMAGE - ESSENTIAL
    assert not unknown, f"the code runs {sorted(unknown)}: map it to a Debian package here and in the Dockerfile"
    needed = {TOOL_PACKAGES[t] for t in tools if t in TOOL_PACKAGES}
    for module, packages in IMPORT_PACKAGES.items():
        if module in imports:
            needed |= packages
    if "tesseract-ocr" in needed:
        needed.add("tesseract-ocr-nld")  # the documents are Dutch
    assert {"tesseract-ocr", "libmagic1"} <= needed, "the scan found the code's known system dependencies"
    missing = needed - _apt_packages()
    assert not missing, f"Dockerfile lacks {sorted(missing)}"


def test_web_healthcheck_asks_woos_readiness_probe():
    from woo.app import create_app
    from woo.config import load_settings

    check = " ".join(SERVICES["web"]["healthcheck"]["test"])
    path = re.search(r"http://127\.0\.0\.1:8000(/\w+)", check).group(1)
    app = create_app(load_settings(ROOT / "var" / "unused", env={"WOO_SECRET_KEY": "x", "WOO_JOBS_INLINE": "1"}))
    assert path in {rule.rule for rule in app.url_map.iter_rules()}


def test_front_server_runs_the_shipped_nginx_config():
    from tests.front_server import PLACEHOLDER, TEMPLATE

    front = SERVICES["front"]
    image = front["image"]
    assert image.startswith("nginxinc/nginx-unprivileged:") and "latest" not in image  # not root, pinned
    (mount,) = front["volumes"]
    source, target, mode = mount.split(":")
    assert (DOCKER / source).resolve() == TEMPLATE  # the file tests/integration/test_front_nginx.py runs
    assert target == "/etc/nginx/templates/woo.conf.template" and mode == "ro"  # the image's envsubst
    env = _env("front")
    assert set(PLACEHOLDER.findall(TEMPLATE.read_text())) <= set(env), "every ${NGINX_...} is given"
    assert env["NGINX_UPSTREAM"] == "web:8000" and SERVICES["web"]["expose"] == ["8000"]
    assert {p.split(":")[1] for p in front["ports"]} == {env["NGINX_HTTP_LISTEN"], env["NGINX_HTTPS_LISTEN"]}
    # TLS from mounted secrets
    secrets = COMPOSE["secrets"]
    assert {env["NGINX_TLS_CERT"], env["NGINX_TLS_KEY"]} == {f"/run/secrets/{name}" for name in front["secrets"]}
    assert set(front["secrets"]) <= set(secrets) and all("file" in secrets[name] for name in front["secrets"])
    # read-only root; what nginx writes is on tmpfs
    assert front["read_only"] is True
    for path in (env["NGINX_CACHE_DIR"], env["NGINX_RUN_DIR"], "/etc/nginx/conf.d"):
        assert any(path == t or path.startswith(t + "/") for t in front["tmpfs"]), path
    assert front["depends_on"] == {"web": {"condition": "service_healthy"}}
    # woo trusts exactly one proxy: this one
    assert re.fullmatch(r"\$\{WOO_PROXY_HOPS:-1\}", _env("web")["WOO_PROXY_HOPS"])
    assert _env("web")["WOO_BASE_URL"].startswith("${WOO_BASE_URL:-https://")
    # refresh on change: woo asks this front service (its TLS port) with the secret the front checks
    for service in ("web", "worker", "worker-heavy"):
        assert _env(service)["WOO_FRONT_REFRESH_URLS"] == f"${{WOO_FRONT_REFRESH_URLS:-https://front:{env['NGINX_HTTPS_LISTEN']}}}"
        assert _env(service)["WOO_FRONT_REFRESH_SECRET"] == env["NGINX_REFRESH_SECRET"]
    assert env["NGINX_REFRESH_SECRET"].startswith("${WOO_FRONT_REFRESH_SECRET:?")  # required, no default


def test_transfer_packages_go_to_a_persistent_volume():
    """Packages for the e-Depot (WOO_TRANSFER_DIR) outlive the containers: a named volume, mounted wherever a
    worker may make one (the job runs on the heavy queue, which the web's CLI can queue too), writable by woo."""
    target = _env("web").get("WOO_TRANSFER_DIR")
    assert target and target.startswith("/"), "set WOO_TRANSFER_DIR in x-woo-environment"
    assert "woo-transfer" in COMPOSE["volumes"]
    for name in ("web", "worker", "worker-heavy"):
        assert f"woo-transfer:{target}" in SERVICES[name]["volumes"], name
    installed = re.search(r"install -d -o woo -g woo ([^\n&\\]+)", DOCKERFILE).group(1).split()
    assert target in installed, "the volume's mount point must exist in the image, owned by woo"
