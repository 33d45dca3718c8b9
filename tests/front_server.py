"""Debian's nginx with woo's shipped front-server configuration (docker/nginx/woo.conf.template), for the
tests (tests/integration/test_front_nginx.py) and the feeds benchmark. Only ports and paths are filled in;
everything else is the file docker/compose.yaml and the Kubernetes manifests use.
"""
from __future__ import annotations

import datetime as dt
import getpass
import ipaddress
import re
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from woo.embedded.servers import free_port

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "docker" / "nginx" / "woo.conf.template"
PLACEHOLDER = re.compile(r"\$\{([A-Z0-9_]+)\}")


def render(template: str, values: dict[str, str]) -> str:
    """envsubst as the nginx image does it: ${NAME} from ``values``; every placeholder must be given."""
    missing = sorted(set(PLACEHOLDER.findall(template)) - set(values))
    if missing:
        raise KeyError(f"the template needs {missing}")
    return PLACEHOLDER.sub(lambda m: values[m.group(1)], template)


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost (cert.pem, key.pem), as a mounted TLS secret would be."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    key_path.chmod(0o600)
    return cert_path, key_path


@dataclass
class FrontServer:
    process: subprocess.Popen
    root: Path
    http_port: int
    https_port: int
    cert: Path

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.https_port}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def access_log(self) -> str:
        """What nginx wrote to its stdout: the template's access log (as the container's log would show)."""
        path = self.root / "stdout.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def error_log(self) -> str:
        path = self.root / "error.log"
        return path.read_text(errors="replace") if path.exists() else ""


REFRESH_SECRET = "test-refresh-secret"  # NGINX_REFRESH_SECRET of the servers started here


def start(root: Path, upstream: str, workers: str = "auto", transform=None,
          refresh_secret: str = REFRESH_SECRET) -> FrontServer:
    """nginx on two free ports in front of ``upstream`` (host:port), everything under ``root``.
    ``transform`` (config text -> config text) is for benchmarks that compare an alternative."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    root.mkdir(parents=True, exist_ok=True)
    root.chmod(0o755)
    for sub in ("cache", "run", "tmp", "conf.d"):
        (root / sub).mkdir(exist_ok=True)
    cert, key = self_signed(root)
    http_port, https_port = free_port(), free_port()
    while https_port == http_port:
        https_port = free_port()
    config = render(TEMPLATE.read_text(), {
        "NGINX_UPSTREAM": upstream, "NGINX_HTTP_LISTEN": f"127.0.0.1:{http_port}",
        "NGINX_HTTPS_LISTEN": f"127.0.0.1:{https_port}", "NGINX_TLS_CERT": str(cert), "NGINX_TLS_KEY": str(key),
        "NGINX_CACHE_DIR": str(root / "cache"), "NGINX_RUN_DIR": str(root / "run"),
        "NGINX_REFRESH_SECRET": refresh_secret})
    (root / "conf.d" / "woo.conf").write_text(transform(config) if transform else config)
    # The rest is what the nginx image's own nginx.conf has: processes, logs, temp folders, MIME types.
    tmp = root / "tmp"
    (root / "nginx.conf").write_text(f"""
user {getpass.getuser()};
worker_processes {workers};
pid {root}/nginx.pid;
error_log {root}/error.log warn;
daemon off;
events {{ worker_connections 4096; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 65;
    client_body_temp_path {tmp}/client; proxy_temp_path {tmp}/proxy; fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi; scgi_temp_path {tmp}/scgi;
    include {root}/conf.d/*.conf;
}}
""")
    check = subprocess.run([nginx, "-t", "-q", "-c", str(root / "nginx.conf"), "-p", str(root)],
                           capture_output=True, text=True)
    if check.returncode:
        raise RuntimeError(f"nginx -t: {check.stderr}")
    process = subprocess.Popen([nginx, "-c", str(root / "nginx.conf"), "-p", str(root)],
                               stdout=open(root / "stdout.log", "ab"), stderr=open(root / "stderr.log", "ab"))
    server = FrontServer(process, root, http_port, https_port, cert)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"nginx stopped: {server.error_log()}")
        try:
            with socket.create_connection(("127.0.0.1", https_port), timeout=0.5):
                return server
        except OSError:
            time.sleep(0.05)
    server.stop()
    raise RuntimeError("nginx does not listen")
