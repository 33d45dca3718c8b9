"""`woo fixity` throughput and peak memory over many small objects (memory must not grow with the count).

Starts its own SeaweedFS (S3) and a SQLite database, writes N small objects + rows, then runs the fixity
service twice over N/10 and N objects and compares peak RSS growth.
Usage: .venv/bin/python scripts/bench/fixity.py [N]   (default 100000)
"""
from __future__ import annotations

import hashlib
import resource
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    from sqlalchemy import insert

    from woo.adapters import db
    from woo.adapters.models import Document, Organisation, StoredFile, utcnow
    from woo.config import load_settings
    from woo.embedded.servers import S3Server
    from woo.services.context import SYSTEM, build_context
    from woo.services.fixity import run_fixity

    with tempfile.TemporaryDirectory(prefix="woo-fixity-bench-") as tmp:
        s3 = S3Server(Path(tmp) / "s3", access_key="bench", secret_key="bench-secret-key")
        s3.spawn()
        s3.wait_ready()
        try:
            env = {"WOO_S3_ENDPOINT": s3.endpoint, "WOO_S3_ACCESS_KEY": "bench", "WOO_S3_SECRET_KEY": "bench-secret-key",
                   "WOO_S3_BUCKET": "fixity-bench", "WOO_DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite",
                   "WOO_SECRET_KEY": "x", "WOO_JOBS_INLINE": "1"}
            settings = load_settings(Path(tmp) / "data", env=env)
            db.upgrade(settings.database_url)
            ctx = build_context(settings)
            ctx.store.ensure_bucket()
            t = time.perf_counter()
            rows_docs, rows_files = [], []

            def put(i: int):
                data = f"object {i} {uuid.uuid4().hex}\n".encode()
                key = f"documents/{uuid.uuid4().hex}/{uuid.uuid4().hex}"
                ctx.store.put_bytes(key, data, "text/plain")
                return key, data

            with ctx.unit_of_work() as s:
                org = Organisation(tooi_uri="https://identifier.overheid.nl/tooi/id/gemeente/gm0363", code="gm0363",
                                   name="Amsterdam")
                s.add(org)
                s.flush()
                org_id = org.id
            with ThreadPoolExecutor(16) as pool:
                for i, (key, data) in enumerate(pool.map(put, range(n))):
                    doc_id = key.split("/")[1]
                    rows_docs.append({"id": doc_id, "organisation_id": org_id, "title": f"d{i}", "status": "concept",
                                      "source": "cli", "metadata": {}, "created_at": utcnow(), "updated_at": utcnow()})
                    rows_files.append({"document_id": doc_id, "role": "original", "object_key": key,
                                       "filename": "x.txt", "size": len(data), "sha256": hashlib.sha256(data).hexdigest(),
                                       "mime_type": "text/plain", "created_at": utcnow()})
                    if len(rows_docs) == 5000:
                        with ctx.unit_of_work() as s:
                            s.execute(insert(Document), rows_docs)
                            s.execute(insert(StoredFile), rows_files)
                        rows_docs, rows_files = [], []
            if rows_docs:
                with ctx.unit_of_work() as s:
                    s.execute(insert(Document), rows_docs)
                    s.execute(insert(StoredFile), rows_files)
            print(f"setup: {n} objects written in {time.perf_counter() - t:.0f}s")

            base = _rss_mib()
            t = time.perf_counter()
            small = run_fixity(ctx, SYSTEM, limit=n // 10)
            dt_small = time.perf_counter() - t
            after_small = _rss_mib()
            t = time.perf_counter()
            rest = run_fixity(ctx, SYSTEM)  # resumes: the other 90%
            dt = time.perf_counter() - t
            after_all = _rss_mib()
            total = small.checked + rest.checked
            print(f"fixity: {total} objects, {small.checked / dt_small:.0f} obj/s (first 10%), "
                  f"{rest.checked / dt:.0f} obj/s (rest); ok={rest.ok}")
            print(f"peak RSS: {base:.0f} MiB before, {after_small:.0f} MiB after {small.checked}, "
                  f"{after_all:.0f} MiB after {total} (growth over the last 90%: {after_all - after_small:.1f} MiB)")
            return 0 if rest.ok and total == n else 1
        finally:
            s3.stop()


if __name__ == "__main__":
    sys.exit(main())
