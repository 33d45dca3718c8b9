"""Resumable upload (woo.services.uploads through the web routes): a large file sent in chunks survives a
dropped connection and resumes at the offset the server has; wrong offsets, oversize and other users'
sessions are refused in Dutch; the completed file is ingested byte for byte."""
from __future__ import annotations

import hashlib

import pytest

from tests.factories import make_pdf
from woo.adapters.models import Document
from woo.app import create_app
from woo.domain.roles import Role
from woo.services import accounts
from woo.services.context import SYSTEM


def _client(woo_ctx, username, password):
    app = create_app(ctx=woo_ctx)
    client = app.test_client()
    client.get("/login")
    with client.session_transaction() as sess:
        sess["csrf"] = "t" * 32
    resp = client.post("/login", data={"username": username, "password": password, "csrf_token": "t" * 32})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    with client.session_transaction() as sess:  # logging in starts a new session
        sess["csrf"] = "t" * 32
    return client


H = {"X-CSRF-Token": "t" * 32, "X-Requested-With": "fetch"}


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_chunks_resume_after_a_drop_and_ingest_the_whole_file(woo_ctx, tmp_path):
    with woo_ctx.unit_of_work() as s:
        org = accounts.default_organisation(s).id
    pdf = make_pdf(tmp_path / "groot_besluit.pdf", [f"Pagina {i} van het besluit over de begroting." for i in range(40)])
    data = pdf.read_bytes()
    client = _client(woo_ctx, "admin", woo_ctx.admin_password)

    resp = client.post("/documenten/upload/sessies", headers=H,
                       data={"organisation_id": org, "filename": "groot_besluit.pdf", "size": len(data)})
    assert resp.status_code == 201, resp.get_data(as_text=True)
    url = resp.json["url"]
    third = len(data) // 3

    resp = client.patch(url, headers={**H, "Upload-Offset": "0"}, data=data[:third])
    assert resp.json == {"id": url.rsplit("/", 1)[1], "offset": third, "status": "partial"}
    # the connection "drops": the client asks where the server is
    assert client.get(url, headers=H).json["offset"] == third
    # a chunk at the wrong place is refused and says where to go on
    resp = client.patch(url, headers={**H, "Upload-Offset": "0"}, data=data[:third])
    assert resp.status_code == 409 and resp.json["offset"] == third and "de server heeft" in resp.json["reason"]
    # another user cannot see or add to this session
    with woo_ctx.unit_of_work() as s:
        accounts.create_user(s, SYSTEM, "collega", "collega-wachtwoord-1", [(Role.OFFICER, org)])
    other = _client(woo_ctx, "collega", "collega-wachtwoord-1")
    assert other.get(url, headers=H).status_code == 404
    assert other.patch(url, headers={**H, "Upload-Offset": str(third)}, data=data[third:]).status_code == 404

    resp = client.patch(url, headers={**H, "Upload-Offset": str(third)}, data=data[third:2 * third])
    assert resp.json["offset"] == 2 * third
    resp = client.patch(url, headers={**H, "Upload-Offset": str(2 * third)}, data=data[2 * third:])
    assert resp.status_code == 200 and resp.json["status"] == "accepted", resp.json
    with woo_ctx.unit_of_work() as s:
        doc = s.get(Document, resp.json["document_id"])
        assert doc.file("original").sha256 == hashlib.sha256(data).hexdigest()
        assert doc.file("original").size == len(data)
    assert client.get(url, headers=H).status_code == 404  # the session is gone once ingested
    assert not list((woo_ctx.settings.data_dir / "uploads").glob("*.part"))


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_too_large_too_many_bytes_and_bad_offsets_are_refused(woo_ctx):
    with woo_ctx.unit_of_work() as s:
        org = accounts.default_organisation(s).id
    client = _client(woo_ctx, "admin", woo_ctx.admin_password)
    limit = woo_ctx.settings.max_upload_bytes
    resp = client.post("/documenten/upload/sessies", headers=H,
                       data={"organisation_id": org, "filename": "enorm.pdf", "size": limit + 1})
    assert resp.status_code == 413 and "groter dan de toegestane" in resp.json["reason"]
    resp = client.post("/documenten/upload/sessies", headers=H,
                       data={"organisation_id": org, "filename": "klein.txt", "size": 10})
    url = resp.json["url"]
    resp = client.patch(url, headers={**H, "Upload-Offset": "0"}, data=b"x" * 11)
    assert resp.status_code == 413 and "meer bytes" in resp.json["reason"]
    assert client.get(url, headers=H).json["offset"] == 0  # nothing of the refused chunk was kept
    resp = client.patch(url, headers={**H, "Upload-Offset": "abc"}, data=b"x")
    assert resp.status_code == 400 and "Upload-Offset" in resp.json["reason"]
    assert client.get("/documenten/upload/sessies/" + "0" * 32, headers=H).status_code == 404
    assert client.get("/documenten/upload/sessies/../../etc", headers=H).status_code == 404
