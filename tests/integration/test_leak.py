"""Nothing unpublished leaks: with concept, ready, published and withdrawn documents present, an anonymous
visitor crawls every public URL (pages, robots and sitemaps, OAI-PMH verbs with resumption, Atom, search,
the API without token, file URLs of every document) and never meets a title, text, metadata or file bytes
of a document that is not published. The published document is found, so the crawl is not blind."""
from __future__ import annotations

import gzip
import hashlib
import re
from collections import deque
from urllib.parse import urljoin, urlparse

from lxml import etree, html as lxml_html
from sqlalchemy import select

from tests.conftest import drain
from tests.factories import make_pdf, unique_mark
from tests.integration.security_world import make_app
from tests.integration.test_publish import answered
from woo.adapters.models import Document, Organisation, StoredFile
from woo.domain import tooi
from woo.services import accounts, classification, privacy, publication
from woo.services.context import SYSTEM
from woo.services.ingest import ingest

BASE = "http://localhost"
CATEGORY = tooi.category_by_code("infocat015").uri
STATES = ["concept", "ready", "published", "withdrawn"]


def _make(ctx, tmp_path) -> dict[str, dict]:
    """One document per state; each carries its own markers in title, text and author."""
    with ctx.unit_of_work() as s:
        org_id = accounts.default_organisation(s).id
        for org in s.execute(select(Organisation)).scalars():
            org.public_base_url = BASE
    docs = {}
    for state in STATES:
        mark = unique_mark(10)
        m = {"title": f"Titel{state}{mark}", "text": f"Inhoud{state}{mark}", "author": f"Auteur{state}{mark}"}
        pdf = make_pdf(tmp_path / f"{state}.pdf", [f"{m['text']} over het parkeerbeleid."], title=m["title"],
                       author=m["author"])
        result = ingest(ctx, SYSTEM, org_id, f"{state}-{mark}.pdf", path=pdf, source="cli", title=m["title"])
        assert result.status == "accepted"
        m["id"] = result.document_id
        m["filename"] = f"{state}-{mark}"
        docs[state] = m
    drain(ctx)
    for state in ("ready", "published", "withdrawn"):
        classification.set_category(ctx, SYSTEM, docs[state]["id"], CATEGORY)
        found = [f.id for f in privacy.findings(ctx.sessions(), docs[state]["id"])]
        if found:  # the test author's made-up names: allowed, so the privacy gate lets them through
            privacy.decide(ctx, SYSTEM, docs[state]["id"], found, privacy.ALLOW, reason="Testgegevens.")
    assert publication.publish(ctx, SYSTEM, [docs["published"]["id"], docs["withdrawn"]["id"]],
                               metadata=answered([docs["published"]["id"], docs["withdrawn"]["id"]])).published
    publication.withdraw(ctx, SYSTEM, [docs["withdrawn"]["id"]], "correctie_privacygevoelige_gegevens")
    drain(ctx)
    with ctx.unit_of_work() as s:
        for m in docs.values():
            d = s.get(Document, m["id"])
            m["status"] = d.status
            m["sha256"] = {f.sha256 for f in s.execute(select(StoredFile).where(StoredFile.document_id == d.id)).scalars()}
            text_file = d.file("text")
            if text_file:
                m["text_bytes"] = ctx.store.get_bytes(text_file.object_key, text_file.version_id)[:60]
    assert [docs[s]["status"] for s in STATES] == STATES
    return docs


def _links(resp, url: str) -> list[str]:
    body = resp.get_data()
    out: list[str] = []
    ctype = resp.mimetype or ""
    if ctype == "text/html":
        tree = lxml_html.fromstring(body or b"<html/>")
        out += tree.xpath("//a/@href | //link/@href | //script/@src | //form/@action | //iframe/@src")
    elif "xml" in ctype:
        if body.startswith(b"\x1f\x8b"):
            body = gzip.decompress(body)
        root = etree.fromstring(body)
        out += [e.text for e in root.iter() if isinstance(e.tag, str) and e.tag.endswith("}loc") and e.text]
        out += root.xpath("//@href")
        for tok in root.iter("{http://www.openarchives.org/OAI/2.0/}resumptionToken"):
            verb = root.find("{http://www.openarchives.org/OAI/2.0/}request").get("verb")
            if tok.text:
                out.append(f"/oai?verb={verb}&resumptionToken={tok.text}")
        for ident in root.iter("{http://www.openarchives.org/OAI/2.0/}identifier"):
            for prefix in ("oai_dc", "diwoo"):
                out.append(f"/oai?verb=GetRecord&metadataPrefix={prefix}&identifier={ident.text}")
    elif ctype == "text/plain":
        out += re.findall(r"https?://\S+", body.decode("utf-8", "replace"))
    return [urljoin(url, link) for link in out]


def test_no_unpublished_content_is_reachable_anonymously(woo_ctx, tmp_path):
    docs = _make(woo_ctx, tmp_path)
    app = make_app(woo_ctx)
    client = app.test_client()
    seeds = ["/", "/login", "/robots.txt", "/publicaties", "/publicaties/feed.atom", "/api/v1/openapi.json",
             "/api/v1/documents", "/oai?verb=Identify", "/oai?verb=ListSets", "/oai?verb=ListMetadataFormats",
             "/beoordelen", "/documenten", "/documenten?status=concept"]
    for prefix in ("oai_dc", "diwoo"):
        seeds += [f"/oai?verb=ListRecords&metadataPrefix={prefix}", f"/oai?verb=ListIdentifiers&metadataPrefix={prefix}"]
    for m in docs.values():
        seeds += [f"/publicaties/{m['id']}", f"/publicaties/{m['id']}/bestand", f"/api/v1/documents/{m['id']}",
                  f"/api/v1/documents/{m['id']}/files/original", f"/documenten/{m['id']}",
                  f"/documenten/{m['id']}/bestand/original", f"/documenten/{m['id']}/bestand/text",
                  f"/oai?verb=GetRecord&metadataPrefix=diwoo&identifier=oai:localhost:{m['id']}",
                  ]
        for word, prefix in (("title", "Titel"), ("text", "Inhoud"), ("author", "Auteur")):
            # the page echoes the query, so search a part that would match the marker but is not it
            seeds.append(f"/publicaties?q={m[word].removeprefix(prefix)}")
    secret = [m for m in docs.values() if m["status"] != "published"]
    public = docs["published"]

    queue, seen, leaks, public_seen = deque(urljoin(BASE, u) for u in seeds), set(), [], set()
    while queue and len(seen) < 600:
        url = queue.popleft().split("#")[0]
        parsed = urlparse(url)
        if parsed.netloc != "localhost" or url in seen:
            continue
        seen.add(url)
        for headers in ({}, {"Accept-Encoding": "gzip"}):
            resp = client.get(url, headers=headers)
            body = resp.get_data()
            resp.close()
            assert resp.status_code < 500, (url, resp.status_code)
            raw = gzip.decompress(body) if body.startswith(b"\x1f\x8b") else body
            text = raw.decode("utf-8", "replace") + " " + " ".join(f"{k}: {v}" for k, v in resp.headers.items())
            digest = hashlib.sha256(raw).hexdigest()
            for m in secret:
                for word in ("title", "text", "author", "filename"):
                    if m[word] in text:
                        leaks.append(f"{url}: {m['status']} {word} {m[word]}")
                if digest in m["sha256"] or (m.get("text_bytes") and m["text_bytes"] in raw):
                    leaks.append(f"{url}: bytes of a {m['status']} file")
            for word in ("title", "text"):
                if public[word] in text:
                    public_seen.add(word)
            if digest in public["sha256"]:
                public_seen.add("file")
        if resp.status_code == 200:
            queue.extend(_links(resp, url))
    assert not leaks, "\n".join(sorted(set(leaks)))
    assert public_seen >= {"title", "file"}, public_seen  # the crawl did reach published content
    assert len(seen) >= 40
