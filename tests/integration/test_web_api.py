"""The officer UI and the REST API over the same service functions."""
from __future__ import annotations

import io
import re

import pytest

from tests.conftest import drain
from tests.factories import make_pdf
from woo.app import create_app
from woo.services import accounts
from woo.services.context import SYSTEM


@pytest.fixture
def app(woo_ctx):
    app = create_app(ctx=woo_ctx)
    app.config["TESTING"] = True
    return app


def _csrf(client, path="/login") -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def login(client, username="admin", password=None, woo_ctx=None):
    token = _csrf(client)
    return client.post("/login", data={"username": username, "password": password or woo_ctx.admin_password,
                                       "csrf_token": token})


def test_login_required_and_wrong_password(app, woo_ctx):
    client = app.test_client()
    assert client.get("/documenten").status_code == 302
    resp = login(client, password="verkeerd-wachtwoord", woo_ctx=woo_ctx)
    assert resp.status_code == 401 and "Onjuiste gebruikersnaam" in resp.get_data(as_text=True)


def test_upload_list_detail_and_download(app, woo_ctx, tmp_path):
    client = app.test_client()
    assert login(client, woo_ctx=woo_ctx).status_code == 302
    page = client.get("/documenten/nieuw").get_data(as_text=True)
    csrf = re.search(r'data-csrf="([^"]+)"', page).group(1)
    org_id = re.search(r'<option value="(\d+)"', page).group(1)
    pdf = make_pdf(tmp_path / "raadsvoorstel.pdf", ["Raadsvoorstel over de begroting 2026."])

    # without the CSRF token a state change is refused
    resp = client.post("/documenten/upload", data={"organisation_id": org_id,
                                                   "file": (open(pdf, "rb"), "raadsvoorstel.pdf")})
    assert resp.status_code == 400

    resp = client.post("/documenten/upload", headers={"X-CSRF-Token": csrf, "Accept": "application/json"},
                       data={"organisation_id": org_id, "file": (open(pdf, "rb"), "raadsvoorstel.pdf")})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    body = resp.get_json()
    assert body["status"] == "accepted"
    doc_id = body["document_id"]

    bad = client.post("/documenten/upload", headers={"X-CSRF-Token": csrf, "Accept": "application/json"},
                      data={"organisation_id": org_id, "file": (io.BytesIO(b""), "leeg.pdf")})
    assert bad.status_code == 422 and bad.get_json()["reason"] == "Het bestand is leeg."

    drain(woo_ctx)
    listing = client.get("/documenten?status=concept&formaat=pdf").get_data(as_text=True)
    assert "raadsvoorstel" in listing and f"/documenten/{doc_id}" in listing
    assert "raadsvoorstel" not in client.get("/documenten?formaat=docx").get_data(as_text=True)
    detail = client.get(f"/documenten/{doc_id}").get_data(as_text=True)
    assert "Tekst uitlezen" in detail and "Klaar" in detail and "begroting 2026" in detail
    download = client.get(f"/documenten/{doc_id}/bestand/original")
    assert download.data == pdf.read_bytes()
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert "default-src 'self'" in download.headers["Content-Security-Policy"] or \
        "default-src 'self'" in client.get("/documenten").headers["Content-Security-Policy"]


def test_api_token_ingest_problem_json_and_openapi(app, woo_ctx, tmp_path):
    client = app.test_client()
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.") and "/documents" in spec["paths"]

    with woo_ctx.unit_of_work() as s:
        from sqlalchemy import select
        from woo.adapters.models import User
        admin = s.execute(select(User).where(User.username == "admin")).scalar_one()
        secret = accounts.create_token(s, SYSTEM, admin, "zaaksysteem")
    auth = {"Authorization": f"Bearer {secret}"}

    assert client.post("/api/v1/documents").status_code == 401
    assert client.post("/api/v1/documents", headers={"Authorization": "Bearer fout"}).status_code == 401

    pdf = make_pdf(tmp_path / "api.pdf", ["Via de API aangeleverd."])
    resp = client.post("/api/v1/documents", headers=auth,
                       data={"file": (open(pdf, "rb"), "api.pdf"), "title": "Aangeleverd stuk"})
    assert resp.status_code == 201, resp.get_data(as_text=True)
    doc_id = resp.get_json()["document_id"]

    resp = client.post("/api/v1/documents", headers=auth, data={"file": (io.BytesIO(b"\x00\x01binary"), "x.bin")})
    assert resp.status_code == 422
    assert resp.mimetype == "application/problem+json" and resp.get_json()["detail"]

    got = client.get(f"/api/v1/documents/{doc_id}", headers=auth).get_json()
    assert got["title"] == "Aangeleverd stuk" and got["files"][0]["sha256"]
    listing = client.get("/api/v1/documents", headers=auth).get_json()
    assert listing["total"] == 1
    assert client.get("/api/v1/documents/onbekend", headers=auth).status_code == 404
