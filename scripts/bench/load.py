#!/usr/bin/env python3
"""Load test: concurrent uploaders (API) and harvesters (sitemaps, OAI-PMH, file URLs) against gunicorn +
`woo worker` on real S3 (SeaweedFS), Redis and PostgreSQL on 127.0.0.1. Bounded: stops after --seconds.

    .venv/bin/python scripts/bench/load.py [--uploaders 50] [--harvesters 100] [--seconds 60] [--web-workers 4]

Prints per kind: requests, throughput (req/s), p50/p99 latency, errors (5xx and connection errors).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from crash_test import Stack, pdf_bytes  # noqa: E402


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--uploaders", type=int, default=50)
    ap.add_argument("--harvesters", type=int, default=100)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--web-workers", type=int, default=4)
    ap.add_argument("--seed-docs", type=int, default=40, help="published before the run, so harvesters find work")
    args = ap.parse_args()
    import requests
    from requests.adapters import HTTPAdapter

    root = Path(tempfile.mkdtemp(prefix="woo-load-"))
    stack = Stack(root, web_workers=args.web_workers, worker_count=2)
    results: dict[str, list[tuple[float, int]]] = {"upload": [], "harvest": []}
    errors = {"upload": 0, "harvest": 0}
    lock = threading.Lock()
    try:
        token = stack.token()
        stack.start_web()
        stack.start_workers()
        auth = {"Authorization": f"Bearer {token}"}
        # seed: published documents for the harvesters (published straight through the service)
        from woo.services import classification, publication, accounts
        from woo.services.context import SYSTEM
        from woo.services.ingest import ingest
        from woo.domain import tooi
        from woo.adapters.models import Organisation
        from sqlalchemy import select

        with stack.ctx.unit_of_work() as s:
            org_id = accounts.default_organisation(s).id
            for org in s.execute(select(Organisation)).scalars():
                org.public_base_url = stack.url
        cat = tooi.category_by_code("infocat014").uri
        seeded = []
        with tempfile.TemporaryDirectory() as d:
            for i in range(args.seed_docs):
                p = Path(d) / f"s{i}.pdf"
                p.write_bytes(pdf_bytes(i))
                r = ingest(stack.ctx, SYSTEM, org_id, p.name, path=p, source="cli", title=f"Besluit {i}")
                seeded.append(r.document_id)
        time.sleep(5)
        for doc_id in seeded:
            try:
                classification.set_category(stack.ctx, SYSTEM, doc_id, cat)
            except Exception:  # noqa: BLE001 - job still running: it stays concept, harvesters skip it
                pass
        published = publication.publish(stack.ctx, SYSTEM, seeded).published
        print(f"voorbereid: {len(published)} gepubliceerde documenten van {len(seeded)}")
        bodies = [pdf_bytes(10_000 + i) for i in range(20)]
        stop = threading.Event()

        def session() -> requests.Session:
            s = requests.Session()
            s.mount("http://", HTTPAdapter(pool_maxsize=4))
            return s

        def timed(kind: str, fn) -> None:
            t0 = time.perf_counter()
            try:
                status = fn().status_code
            except requests.RequestException:
                with lock:
                    errors[kind] += 1
                return
            with lock:
                results[kind].append((time.perf_counter() - t0, status))
                if status >= 500:
                    errors[kind] += 1

        def uploader(n: int) -> None:
            s, i = session(), 0
            while not stop.is_set():
                i += 1
                body = bodies[i % len(bodies)] + f"\n%{uuid.uuid4().hex}\n".encode()  # unique: no dedup shortcut
                timed("upload", lambda: s.post(stack.url + "/api/v1/documents", headers=auth, timeout=60,
                                               files={"file": (f"u{n}-{i}.pdf", body, "application/pdf")}))

        harvest_urls = ["/robots.txt", "/oai?verb=ListRecords&metadataPrefix=diwoo",
                        "/oai?verb=ListIdentifiers&metadataPrefix=oai_dc", "/publicaties/feed.atom",
                        "/publicaties"] + [f"/publicaties/{d}/bestand" for d in published[:20]]

        def harvester(n: int) -> None:
            s, i = session(), n
            while not stop.is_set():
                i += 1
                url = stack.url + harvest_urls[i % len(harvest_urls)]
                timed("harvest", lambda: s.get(url, timeout=60))

        threads = [threading.Thread(target=uploader, args=(n,), daemon=True) for n in range(args.uploaders)]
        threads += [threading.Thread(target=harvester, args=(n,), daemon=True) for n in range(args.harvesters)]
        t0 = time.time()
        for t in threads:
            t.start()
        time.sleep(args.seconds)
        stop.set()
        for t in threads:
            t.join(90)
        elapsed = time.time() - t0
        print(f"{args.uploaders} uploaders + {args.harvesters} harvesters, {elapsed:.0f} s, "
              f"gunicorn -w {args.web_workers}, 2 rq workers, PostgreSQL/SeaweedFS/Redis on 127.0.0.1")
        for kind, rows in results.items():
            lat = [r[0] for r in rows]
            ok = sum(1 for r in rows if r[1] < 400)
            print(f"  {kind:8s} {len(rows):6d} req  {len(rows) / elapsed:7.1f} req/s  ok {ok}  "
                  f"p50 {pct(lat, 50) * 1000:7.0f} ms  p99 {pct(lat, 99) * 1000:7.0f} ms  "
                  f"errors {errors[kind]}  statuses {sorted(statistics.multimode([r[1] for r in rows]) or [])}")
        return 0
    finally:
        stack.stop()


if __name__ == "__main__":
    sys.exit(main())
