"""Shared fixtures for the retention tests: users with archival roles, records with stored objects."""
from __future__ import annotations

import hashlib
from datetime import datetime, timezone

from woo.adapters.models import Document, StoredFile
from woo.domain import tooi
from woo.domain.roles import Role
from woo.services import accounts
from woo.services import retention as retsvc
from woo.services.context import SYSTEM, Actor


def users(ctx) -> dict[str, Actor]:
    """archivaris A and B, beoordelaar R (each a real woo account with its role)."""
    out = {}
    with ctx.unit_of_work() as s:
        for name, role in (("archivaris-a", Role.ARCHIVIST), ("archivaris-b", Role.ARCHIVIST),
                           ("beoordelaar-r", Role.REVIEWER)):
            u = accounts.create_user(s, SYSTEM, name, None, [(role, None)])
            out[name] = Actor("user", u.id, name)
    return out


def make_record(ctx, title: str, *, category: str = "woo_verzoeken_en_besluiten", resultaat: str | None = None,
                status: str = "concept", document_date: datetime | None = datetime(2015, 3, 1, tzinfo=timezone.utc),
                versions: int = 2, legal_hold: bool = False) -> str:
    """A document with an original (``versions`` stored versions) and a text rendition in the bucket."""
    cat = tooi.category_by_label(category)
    with ctx.unit_of_work() as s:
        org = accounts.default_organisation(s)
        doc = Document(organisation_id=org.id, title=title, status=status, category=cat.uri,
                       document_date=document_date, legal_hold=legal_hold,
                       legal_hold_reason="Lopende procedure" if legal_hold else None)
        if status in ("published", "withdrawn"):
            doc.published_at = datetime(2015, 4, 1, tzinfo=timezone.utc)
        s.add(doc)
        s.flush()
        for role, mime in (("original", "application/pdf"), ("text", "text/plain")):
            key = f"documents/{doc.id}/{role}-obj"
            for v in range(versions if role == "original" else 1):
                data = f"{title} {role} versie {v}".encode()
                stored = ctx.store.put_bytes(key, data, mime)
            s.add(StoredFile(document=doc, role=role, object_key=key, version_id=stored.version_id,
                             filename=f"{role}.{'pdf' if role == 'original' else 'txt'}", size=len(data),
                             sha256=hashlib.sha256(data).hexdigest(), mime_type=mime,
                             puid="fmt/17" if role == "original" else "x-fmt/111",
                             format_name="PDF 1.3" if role == "original" else "Plain Text File"))
        s.flush()
        if resultaat:
            retsvc.apply_class(doc, resultaat, retsvc.SOURCE_ARCHIVIST, 20)
        return doc.id


def versions_left(ctx, doc_id: str) -> list:
    return list(ctx.store.list_versions(f"documents/{doc_id}/"))


def logged_in_client(app, ctx, actor: Actor, csrf: str):
    """A Flask test client logged in as ``actor`` with a known CSRF token (for the X-CSRF-Token header)."""
    from woo.adapters.models import User

    client = app.test_client()
    with client.session_transaction() as sess, ctx.unit_of_work() as s:
        sess["csrf"] = csrf
        sess["user_id"], sess["epoch"] = actor.id, s.get(User, actor.id).session_epoch
    return client
