"""zgw-drc connector: how fast a full snapshot lists N objects from the local Documenten API.

Starts tests/drc_server.py in this process (page size 100, as Open Zaak pages), fills it with N objects
(each fixture checked against the published schema), then reads every page through the connector.
The server validates every request and response against the OpenAPI document in the same process
(openapi-core dominates the time); ``--no-validate`` skips the response check to time the connector.
Metadata only: no downloads, no database.
Usage: .venv/bin/python scripts/bench/zgw_list.py [N] [--no-validate]   (default 10000)
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

SECRET = "bench-secret-with-at-least-thirty-two-bytes"
TYPE = "https://catalogi.example.nl/api/v1/informatieobjecttypen/00000000-0000-4000-8000-000000000001"


def main() -> int:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    n = int(args[0]) if args else 10_000
    from tests.drc_server import DrcServer
    from woo.intake.connectors import zgw_drc

    validate = "--no-validate" not in sys.argv
    server = DrcServer(secret=SECRET, client_id="bench", page_size=100, validate_responses=validate).start()
    try:
        started = time.perf_counter()
        for i in range(n):
            server.add(vertrouwelijkheidaanduiding="openbaar" if i % 10 else "intern", content=b"%PDF-1.7\n")
        filled = time.perf_counter() - started

        conn = zgw_drc.from_config({"base_url": server.base_url, "client_id": "bench",
                                    "informatieobjecttypen": [TYPE]}, SECRET)
        started = time.perf_counter()
        cursor, records, pages, problems = None, 0, 0, 0
        while True:
            batch = conn.snapshot(cursor)
            pages += 1
            records += len(batch.records)
            problems += len(batch.problems)
            if not batch.has_more:
                break
            cursor = batch.next_cursor
        listed = time.perf_counter() - started
    finally:
        server.stop()
    print(f"objects: {n} (every tenth 'intern', not imported); fixtures built and validated in {filled:.1f} s")
    print(f"snapshot: {pages} pages, {records} records, {problems} problems in {listed:.1f} s "
          f"({records / listed:.0f} records/s, server-side response validation {'on' if validate else 'off'})")
    print(f"contract errors seen by the server: {len(server.contract_errors)}")
    return 0 if not server.contract_errors and records == n - n // 10 else 1


if __name__ == "__main__":
    raise SystemExit(main())
