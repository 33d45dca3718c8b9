"""Physical destruction where the storage allows it: after a destruction list executed, the deleted data
must leave the files on disk too, not only the indexes that point at it.

* SQLite: every connection has ``PRAGMA secure_delete=ON`` (woo.adapters.db), so freed pages and cells are
  overwritten with zeros; here the full-text index is merged (FTS5 ``optimize``, dropping deleted entries)
  and the WAL is checkpointed and truncated (``wal_checkpoint(TRUNCATE)``), so no old page survives in it.
* PostgreSQL: ``VACUUM`` of the tables destruction touches (dead tuples become free space). Old bytes can
  stay in free space, WAL segments and backups: what an operator must configure is in the README.
* SeaweedFS (embedded stack, ``WOO_SEAWEEDFS_MASTER``): the master compacts every volume with garbage
  (``/vol/vacuum``); deleted needles are gone from the ``.dat`` files afterwards. Other S3 services
  (MinIO) free deleted versions themselves; see the README.

``after_destruction`` returns Dutch lines for the verklaring van vernietiging: what was done, or why not.
"""
from __future__ import annotations

import json
import logging
import time
import urllib.parse
import urllib.request

from sqlalchemy import text

from woo.adapters.db import engine_for
from woo.services.context import Context

log = logging.getLogger(__name__)

# Tables from which destruction deletes or in which it overwrites a record's rows.
PG_TABLES = ("documents", "files", "privacy_findings", "jobs", "archive_objects", "archive_outbox",
             "search_documents")


def after_destruction(ctx: Context) -> list[str]:
    return [compact_database(ctx), compact_object_store(ctx)]


def compact_database(ctx: Context) -> str:
    url = ctx.settings.database_url
    engine = engine_for(url)
    if url.startswith("sqlite"):
        with engine.connect() as conn:
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            secure = conn.exec_driver_sql("PRAGMA secure_delete").scalar()
            has_fts = conn.exec_driver_sql(
                "SELECT 1 FROM sqlite_master WHERE type='table' AND name='search_fts'").first() is not None
            if has_fts:
                conn.exec_driver_sql("INSERT INTO search_fts(search_fts) VALUES('optimize')")
            busy, log_frames, done = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
        if busy:
            return ("SQLite: vrijgekomen ruimte is met nullen overschreven (secure_delete), maar het WAL-bestand "
                    f"kon niet worden geleegd (in gebruik; {done} van {log_frames} pagina's verwerkt).")
        return ("SQLite: vrijgekomen ruimte is met nullen overschreven (secure_delete "
                f"{'aan' if secure else 'UIT'}), de zoekindex is samengevoegd en het WAL-bestand is "
                "verwerkt en leeggemaakt (wal_checkpoint TRUNCATE).")
    if url.startswith("postgresql"):
        with engine.connect() as conn:
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            present = set(conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"))
                          .scalars())
            tables = [t for t in PG_TABLES if t in present]
            for table in tables:
                conn.exec_driver_sql(f'VACUUM (ANALYZE) "{table}"')
        return (f"PostgreSQL: VACUUM van {', '.join(tables)} (verwijderde rijen vrijgegeven); oude bytes in "
                "vrije ruimte, WAL-archief en back-ups vallen onder het beheer van de database (zie README).")
    return "Database: geen fysiek opschonen bekend voor dit type database."


def _get_json(url: str, timeout: float = 30.0) -> dict:
    with urllib.request.urlopen(url, timeout=timeout) as resp:
        return json.loads(resp.read() or b"{}")


def _volume_garbage(master: str) -> tuple[int, int]:
    """(deleted needles, deleted bytes still in volume files) over every volume server of this master."""
    topo = _get_json(f"{master}/dir/status").get("Topology", {})
    count = size = 0
    for dc in topo.get("DataCenters") or []:
        for rack in dc.get("Racks") or []:
            for node in rack.get("DataNodes") or []:
                status = _get_json(f"http://{node['Url']}/status")
                for vol in status.get("Volumes") or []:
                    count += int(vol.get("DeleteCount") or 0)
                    size += int(vol.get("DeletedByteCount") or 0)
    return count, size


def compact_object_store(ctx: Context, threshold: float = 0.000001, timeout: float = 120.0,
                         settle: float = 1.5) -> str:
    """SeaweedFS: wait until the filer's deletions reached the volume servers (they are queued), then ask the
    master to vacuum every volume with garbage, until no deleted bytes are left in any volume file."""
    master = getattr(ctx.settings, "seaweedfs_master", None)
    if not master:
        return ("Objectopslag: alle versies zijn verwijderd en gecontroleerd; de opslagdienst geeft de ruimte "
                "zelf vrij (woo compacteert alleen de eigen SeaweedFS-opslag).")
    deadline = time.monotonic() + timeout
    query = urllib.parse.urlencode({"garbageThreshold": f"{threshold:.6f}"})
    rounds, left = 0, (0, 0)
    while time.monotonic() < deadline:
        last, stable_since = _volume_garbage(master), time.monotonic()
        while time.monotonic() - stable_since < settle and time.monotonic() < deadline:
            time.sleep(0.3)
            now = _volume_garbage(master)
            if now != last:
                last, stable_since = now, time.monotonic()
        req = urllib.request.Request(f"{master}/vol/vacuum?{query}", method="POST")
        with urllib.request.urlopen(req, timeout=timeout):
            pass
        rounds += 1
        left = _volume_garbage(master)
        log.info("seaweedfs vacuum round %s: %s deleted bytes left", rounds, left[1])
        if left[1] == 0:
            return ("Objectopslag (SeaweedFS): alle volumes met verwijderde gegevens zijn gecompacteerd "
                    "(vacuum); verwijderde inhoud staat niet meer in de volumebestanden.")
    return (f"Objectopslag (SeaweedFS): gecompacteerd (vacuum, {rounds} keer), maar er staan nog {left[1]} bytes "
            "verwijderde gegevens in volumebestanden; start de vacuum opnieuw (woo retention list execute).")


__all__ = ["after_destruction", "compact_database", "compact_object_store"]
