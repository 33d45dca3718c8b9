"""Settings: one place, read from the environment (production) or derived from a data dir (embedded).

Every setting is an environment variable named ``WOO_*``; the README lists them all. `woo up` writes
``<data-dir>/instance.json`` with the addresses of the servers it started, so every other `woo`
command given the same ``--data-dir`` (or ``WOO_DATA_DIR``) talks to that instance. Environment
variables always win over the data dir.
"""
from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass, fields
from pathlib import Path

GiB = 1024**3

# name -> (field, default, help). The README's configuration table is generated from the same facts.
ENVIRONMENT = {
    "WOO_DATA_DIR": "Embedded instance folder (SQLite, S3 data, Redis, logs); default ./var/woo",
    "WOO_DATABASE_URL": "SQLAlchemy URL; default sqlite in the data dir. Production: postgresql+psycopg://...",
    "WOO_S3_ENDPOINT": "S3 endpoint host:port (MinIO in production)",
    "WOO_S3_ACCESS_KEY": "S3 access key",
    "WOO_S3_SECRET_KEY": "S3 secret key",
    "WOO_S3_BUCKET": "Bucket holding every file, rendition and metadata object; default woo",
    "WOO_S3_SECURE": "1 to use https to S3; default 0",
    "WOO_S3_REGION": "S3 region; default us-east-1",
    "WOO_S3_OBJECT_LOCK": "1 creates the bucket with S3 object lock, so archived records can get a legal hold; default 0",
    "WOO_REDIS_URL": "Redis URL for the rq job queue; default redis://127.0.0.1:6379/0",
    "WOO_SECRET_KEY": "Flask session signing key (generated and kept in the data dir when unset)",
    "WOO_MAX_UPLOAD_BYTES": "Largest accepted file; default 1073741824 (1 GiB)",
    "WOO_BASE_URL": "Public base URL of the service (used in links); default http://127.0.0.1:8000",
    "WOO_ORGANISATION": "TOOI code or URI of the default organisation, e.g. gm0363; default gm0363",
    "WOO_JOBS_INLINE": "1 runs background jobs inside the request (tests, tiny installs); default 0",
    "WOO_FIXITY_INTERVAL_HOURS": "Hours between automatic fixity passes run by the worker; 0 = off; default 168",
    "WOO_OAI_ADMIN_EMAIL": "Contact address OAI-PMH Identify reports; default webmaster@<host>",
    "WOO_AUTO_ACCEPT_CONFIDENCE": "Accept a suggested category at or above this confidence (0..1), or 'model' for the "
                                  "model's source-held-out threshold (precision >= 0.97); default off",
    "WOO_DESTRUCTION_WINDOW_DAYS": "Days an approved destruction list can still be cancelled; default 7",
    "WOO_TRANSFER_YEARS": "Overbrengingstermijn for B-records in years: 20 (Archiefwet 1995) or 10 (new Archiefwet); default 20",
    "WOO_IMPORT_BATCH": "Documents a dossier import writes at a time (flushed with one audit append, then forgotten by the session) inside its one transaction; default 250",
    "WOO_TRANSFER_DIR": "Directory where transfer packages made on the archivist's dossier page are written; default <data dir>/overbrenging",
    "WOO_OIDC_ISSUER": "OpenID Connect issuer URL (discovery at <issuer>/.well-known/openid-configuration); unset = no single sign-on",
    "WOO_OIDC_CLIENT_ID": "OIDC client id registered at the identity provider",
    "WOO_OIDC_CLIENT_SECRET": "OIDC client secret",
    "WOO_OIDC_ROLE_CLAIM": "ID-token claim holding the user's groups/roles (dotted path allowed, e.g. realm_access.roles); default roles",
    "WOO_OIDC_ROLE_MAP": "Claim value -> woo role, e.g. woo-officer=officer,woo-admin=admin; unmapped values are ignored",
    "WOO_OIDC_ORGANISATION_CLAIM": "Optional claim naming the user's organisation (code such as gm0363 or TOOI URI); unset = the default organisation",
    "WOO_SEAWEEDFS_MASTER": "URL of the SeaweedFS master (http://host:port) whose volumes are compacted after a destruction list executes (woo up sets it for the embedded stack); unset = no compaction by woo",
    "WOO_WORKERS": "Light workers woo up starts (text layers, privacy, classification), plus one heavy worker (OCR, PDF/A); default one per core",
    "WOO_TOOL_MEMORY_MB": "Address-space limit of every external tool (OCR, LibreOffice, Ghostscript); default 2048",
    "WOO_TOOL_CPU_SECONDS": "CPU-time limit per external tool process; default twice its time limit",
    "WOO_OCR_MAX_PAGES": "OCR at most this many pages of one document (the rest is reported); default 2000",
    "WOO_OCR_BUDGET_SECONDS": "Total OCR time per document, in chunks of 25 pages; default 3000",
    "WOO_SMTP_HOST": "SMTP server for subscription mail (double opt-in, digests); unset = no mail is sent",
    "WOO_SMTP_PORT": "SMTP port; default 587 with STARTTLS, else 25",
    "WOO_SMTP_USER": "SMTP login (optional)",
    "WOO_SMTP_PASSWORD": "SMTP password (optional)",
    "WOO_SMTP_FROM": "Sender address of subscription mail; default noreply@<host of WOO_BASE_URL>",
    "WOO_SMTP_STARTTLS": "1 = upgrade the SMTP connection with STARTTLS (default 1 when a user is set, else 0)",
    "WOO_SMTP_CONNECTIONS": "SMTP connections one digest job sends over at the same time (each message waits for four server replies); default 4",
    "WOO_DIGEST_HOUR": "Hour (0-23, Dutch time) from which the worker's maintenance round plans the daily digest run, once a day; off = no automatic runs (then use woo subscriptions send-digests); default 7",
    "WOO_DIGEST_WEEKDAY": "Day of the weekly digest run (1 = Monday ... 7 = Sunday; later that week if the workers were down); default 1",
    "WOO_PROXY_HOPS": "Reverse proxies in front of the web service whose X-Forwarded-For/-Proto/-Host are trusted (client address for login throttling and the audit log, Host for the public site); default 0",
    "WOO_FRONT_REFRESH_URLS": "The front servers' own base URLs (comma-separated, e.g. https://front:8443): after a withdrawal, publish or rebuilt sitemap woo asks each to refresh its cached copy; unset = no refresh",
    "WOO_FRONT_REFRESH_SECRET": "Shared secret of those refresh requests (the front's NGINX_REFRESH_SECRET)",
}


@dataclass
class Settings:
    data_dir: Path
    database_url: str
    s3_endpoint: str
    s3_access_key: str
    s3_secret_key: str
    s3_bucket: str = "woo"
    s3_secure: bool = False
    s3_region: str = "us-east-1"
    s3_object_lock: bool = False
    redis_url: str = "redis://127.0.0.1:6379/0"
    secret_key: str = ""
    max_upload_bytes: int = GiB
    base_url: str = "http://127.0.0.1:8000"
    organisation: str = "gm0363"
    jobs_inline: bool = False
    light_worker: str = "simple"  # how a light-queue worker runs its jobs: "simple" (in-process) or "fork"
    auto_accept_confidence: float | str | None = None  # a number, "model" (the model's measured value) or off
    oai_admin_email: str | None = None
    fixity_interval_hours: float = 168.0
    destruction_window_days: int = 7
    transfer_years: int = 20
    import_batch: int = 250  # documents a dossier import writes at a time (woo.services.dossier_import)
    transfer_dir: str | None = None  # packages made on the web (woo.services.transfer.default_out_dir)
    oidc_issuer: str | None = None
    oidc_client_id: str = ""
    oidc_client_secret: str = ""
    oidc_role_claim: str = "roles"
    oidc_role_map: str = ""
    oidc_organisation_claim: str | None = None
    proxy_hops: int = 0  # trusted reverse proxies (werkzeug ProxyFix)
    seaweedfs_master: str | None = None  # compacted after destruction (woo.services.compaction)
    public_api_per_minute: int = 120  # requests per client address to the open JSON API (/api/v1/openbaar)
    smtp_host: str | None = None  # subscription mail (woo.services.subscriptions); None = no mail
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_from: str = ""
    smtp_starttls: bool = False
    smtp_connections: int = 4  # SMTP connections a digest batch sends over at once (woo.adapters.mail.MailerPool)
    digest_hour: int | None = 7  # automatic digest runs (woo.services.subscriptions.scheduled_runs); None = off
    digest_weekday: int = 1
    front_refresh_urls: tuple[str, ...] = ()  # woo.publish.front_refresh; () = no refresh requests
    front_refresh_secret: str = ""

    def replace(self, **changes) -> "Settings":
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values.update(changes)
        return Settings(**values)


def default_data_dir() -> Path:
    return Path(os.environ.get("WOO_DATA_DIR") or "var/woo").resolve()


def instance_file(data_dir: Path) -> Path:
    return data_dir / "instance.json"


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


WORKER_CLASSES = ("simple", "fork")


def _worker_class(value: str) -> str:
    """WOO_LIGHT_WORKER: "simple" runs light jobs in the worker process itself (no fork and re-import per
    job), "fork" gives every job a fresh work-horse process (rq's default)."""
    value = (value or "simple").strip().lower()
    if value not in WORKER_CLASSES:
        raise ValueError(f"WOO_LIGHT_WORKER moet 'simple' of 'fork' zijn, niet {value!r}.")
    return value


def _secret_key(data_dir: Path) -> str:
    """A stable per-instance key, so sessions survive a restart of `woo up`."""
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key


def load_settings(data_dir: Path | str | None = None, env: dict | None = None) -> Settings:
    env = dict(os.environ if env is None else env)
    data_dir = Path(data_dir).resolve() if data_dir else (
        Path(env["WOO_DATA_DIR"]).resolve() if env.get("WOO_DATA_DIR") else default_data_dir()
    )
    instance: dict = {}
    if instance_file(data_dir).exists():
        instance = json.loads(instance_file(data_dir).read_text())

    def pick(name: str, default: str) -> str:
        return env.get(name) or instance.get(name) or default

    return Settings(
        data_dir=data_dir,
        database_url=pick("WOO_DATABASE_URL", f"sqlite:///{data_dir / 'woo.sqlite'}"),
        s3_endpoint=pick("WOO_S3_ENDPOINT", "127.0.0.1:9000"),
        s3_access_key=pick("WOO_S3_ACCESS_KEY", "woo"),
        s3_secret_key=pick("WOO_S3_SECRET_KEY", "woo-secret-key"),
        s3_bucket=pick("WOO_S3_BUCKET", "woo"),
        s3_secure=_truthy(pick("WOO_S3_SECURE", "0")),
        s3_region=pick("WOO_S3_REGION", "us-east-1"),
        s3_object_lock=_truthy(pick("WOO_S3_OBJECT_LOCK", "0")),
        redis_url=pick("WOO_REDIS_URL", "redis://127.0.0.1:6379/0"),
        secret_key=env.get("WOO_SECRET_KEY") or _secret_key(data_dir),
        max_upload_bytes=int(pick("WOO_MAX_UPLOAD_BYTES", str(GiB))),
        base_url=pick("WOO_BASE_URL", "http://127.0.0.1:8000").rstrip("/"),
        organisation=pick("WOO_ORGANISATION", "gm0363"),
        jobs_inline=_truthy(pick("WOO_JOBS_INLINE", "0")),
        light_worker=_worker_class(pick("WOO_LIGHT_WORKER", "simple")),
        fixity_interval_hours=float(pick("WOO_FIXITY_INTERVAL_HOURS", "168")),
        oai_admin_email=pick("WOO_OAI_ADMIN_EMAIL", "") or None,
        destruction_window_days=int(pick("WOO_DESTRUCTION_WINDOW_DAYS", "7")),
        transfer_years=int(pick("WOO_TRANSFER_YEARS", "20")),
        transfer_dir=pick("WOO_TRANSFER_DIR", "") or None,
        import_batch=max(1, int(pick("WOO_IMPORT_BATCH", "250"))),
        oidc_issuer=pick("WOO_OIDC_ISSUER", "").rstrip("/") or None,
        oidc_client_id=pick("WOO_OIDC_CLIENT_ID", ""),
        oidc_client_secret=pick("WOO_OIDC_CLIENT_SECRET", ""),
        oidc_role_claim=pick("WOO_OIDC_ROLE_CLAIM", "roles"),
        oidc_role_map=pick("WOO_OIDC_ROLE_MAP", ""),
        oidc_organisation_claim=pick("WOO_OIDC_ORGANISATION_CLAIM", "") or None,
        proxy_hops=int(pick("WOO_PROXY_HOPS", "0")),
        seaweedfs_master=pick("WOO_SEAWEEDFS_MASTER", "").rstrip("/") or None,
        public_api_per_minute=int(pick("WOO_PUBLIC_API_PER_MINUTE", "120")),
        auto_accept_confidence=_auto_accept(pick("WOO_AUTO_ACCEPT_CONFIDENCE", "")),
        **_smtp(pick),
        front_refresh_urls=tuple(u.strip().rstrip("/") for u in pick("WOO_FRONT_REFRESH_URLS", "").split(",")
                                 if u.strip()),
        front_refresh_secret=pick("WOO_FRONT_REFRESH_SECRET", ""),
    )


def _smtp(pick) -> dict:
    """The WOO_SMTP_* settings (subscription mail); STARTTLS by default when a login is configured."""
    from urllib.parse import urlparse

    user = pick("WOO_SMTP_USER", "")
    starttls = _truthy(pick("WOO_SMTP_STARTTLS", "1" if user else "0"))
    host = urlparse(pick("WOO_BASE_URL", "http://127.0.0.1:8000")).hostname or "localhost"
    return {"smtp_host": pick("WOO_SMTP_HOST", "") or None,
            "smtp_port": int(pick("WOO_SMTP_PORT", "587" if starttls else "25")),
            "smtp_user": user, "smtp_password": pick("WOO_SMTP_PASSWORD", ""),
            "smtp_from": pick("WOO_SMTP_FROM", "") or f"noreply@{host}", "smtp_starttls": starttls,
            "smtp_connections": max(1, int(pick("WOO_SMTP_CONNECTIONS", "4"))),
            **_digest_schedule(pick("WOO_DIGEST_HOUR", "7"), pick("WOO_DIGEST_WEEKDAY", "1"))}


def _digest_schedule(hour: str, weekday: str) -> dict:
    hour = hour.strip().lower()
    value = None if hour in ("off", "uit", "") else int(hour) if hour.isdigit() else -1
    if value is not None and not 0 <= value <= 23:
        raise ValueError(f"WOO_DIGEST_HOUR moet 0 tot en met 23 zijn of 'off', niet '{hour}'.")
    day = int(weekday) if weekday.strip().isdigit() else 0
    if not 1 <= day <= 7:
        raise ValueError(f"WOO_DIGEST_WEEKDAY moet 1 (maandag) tot en met 7 (zondag) zijn, niet '{weekday}'.")
    return {"digest_hour": value, "digest_weekday": day}


def _auto_accept(value: str) -> float | str | None:
    value = value.strip().lower()
    if not value or value in ("off", "uit"):
        return None
    if value in ("model", "gemeten"):
        return "model"
    return float(value)
