#!/usr/bin/env python3
"""Mixed hostile run (issue 12 goal): hostile files plus normal documents through the API of a fresh
embedded stack (`woo up`: SQLite, SeaweedFS, Redis, WOO_WORKERS light workers + one heavy worker).

The hostile files are made by the generators the tests use (tests/hostile.py, tests/factories.py):
TIFFs whose IFD chain points to itself or loops over two IFDs, PNG and flate image bombs, JPEGs in a PDF
that lie about their size, 3,000-page blank PDFs, e-mail nested 3,000 deep, DOCX zip bombs, encrypted
and oddly compressed ZIP members, corrupt and encrypted PDFs, and normal-looking PDFs whose title is
then set to one with control characters. Every file is unique (the intake deduplicates by hash).
The files are shuffled together with the normal ones (text PDFs, DOCX, ODT) and uploaded by a few
parallel uploaders.

Measured and printed:
- per normal document: seconds from its upload (201) until ready for review (every light job
  -- extraction, privacy, classification -- done); goal: all within 5 minutes;
- peak memory, sampled every --sample seconds over the whole process tree of `woo up` (servers,
  gunicorn, workers, work-horses, tools): sum of RSS, sum of PSS, and the largest single process;
  goal <= 2 GB;
- the hostile files' outcome (refused at upload with a Dutch reason / failed job / done / still
  waiting), 5xx answers, feeds that still answer 200 after the control-character titles;
- `woo audit verify` and `woo fsck` while the stack runs;
- processes left after SIGTERM to `woo up` (every process seen in the tree, plus any process whose
  environment names the data dir); goal 0.

    .venv/bin/python scripts/bench/hostile.py [--hostile 500] [--normal 50] [--uploaders 4] [--seed 1]
Exit code 0 when every goal holds.
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

PY = sys.executable
LIGHT_KINDS_DONE = ("extract", "privacy")  # these exist for every document; classify when installed
GOAL_READY_S, GOAL_MEMORY_MB = 300, 2048


def say(*parts) -> None:
    print(time.strftime("%H:%M:%S"), *parts, flush=True)


# ------------------------------------------------------------------------------------------ the files

def _tag(path: Path, i: int) -> Path:
    """Make a generated file unique without changing what it is: trailing bytes after the end marker
    (PDF %%EOF, PNG IEND, TIFF data, e-mail body) are ignored by every reader."""
    with open(path, "ab") as f:
        f.write(f"\n%woo-bench-{i}-{uuid.uuid4().hex}\n".encode())
    return path


def _zip_tag(path: Path, i: int) -> Path:
    with zipfile.ZipFile(path, "a") as zf:  # appends a member; the bomb member is not recompressed
        zf.writestr(f"docProps/bench-{i}.xml", f"<x>{uuid.uuid4().hex}</x>")
    return path


def hostile_makers(tmp: Path):
    """(class name, filename suffix, make(path, i) -> path, title) per hostile class."""
    from tests import hostile
    from tests.factories import make_corrupt_pdf, make_docx, make_encrypted_pdf, make_pdf

    blank = hostile.blank_pages_pdf(tmp / "blank-3000.pdf", 3000)  # made once (slow), copied per file
    bomb = tmp / "bomb.docx"
    bomb.write_bytes(hostile.docx_zip_bomb(200))  # 200 MB of XML in well under 1 MB

    def copy(src: Path):
        def make(path: Path, i: int) -> Path:
            shutil.copyfile(src, path)
            return _tag(path, i) if path.suffix != ".docx" else _zip_tag(path, i)
        return make

    def member(**patch):
        return lambda path, i: hostile.patch_member(make_docx(path, [f"Geheim stuk {i} {uuid.uuid4().hex}."]),
                                                    "word/document.xml", **patch)

    return [
        ("tiff-ifd-zelf", ".tif", lambda p, i: _tag(hostile.tiff_ifd_loop(p, "self"), i)),
        ("tiff-ifd-lus", ".tif", lambda p, i: _tag(hostile.tiff_ifd_loop(p, "pair"), i)),
        ("png-bom", ".png", lambda p, i: _tag(hostile.png_bomb(p), i)),
        ("pdf-flate-bom", ".pdf", lambda p, i: _tag(hostile.flate_bomb_pdf(p), i)),
        ("pdf-dct-liegt", ".pdf", lambda p, i: _tag(hostile.lying_dct_pdf(p), i)),
        ("pdf-3000-blanco", ".pdf", copy(blank)),
        ("eml-genest", ".eml", lambda p, i: _tag(hostile.nested_eml(p), i)),
        ("docx-zipbom", ".docx", copy(bomb)),
        ("docx-versleuteld-lid", ".docx", member(flag=0x1)),
        ("docx-vreemde-compressie", ".docx", member(method=97)),
        ("pdf-kapot", ".pdf", lambda p, i: _tag(make_corrupt_pdf(p), i)),
        ("pdf-wachtwoord", ".pdf", lambda p, i: make_encrypted_pdf(p, f"Vertrouwelijk {i} {uuid.uuid4().hex}")),
        # a fine PDF whose title is then set to one with control characters (PATCH metadata)
        ("titel-stuurtekens", ".pdf", lambda p, i: make_pdf(p, [f"Notitie {i} {uuid.uuid4().hex}."])),
    ]


def normal_makers():
    from tests.factories import make_docx, make_odt, make_pdf

    def text(i: int) -> list[str]:
        return [f"Besluit op het Woo-verzoek {i} over de herinrichting van de haven. Het college heeft "
                f"besloten de gevraagde stukken gedeeltelijk openbaar te maken. Kenmerk {uuid.uuid4().hex}.",
                "Overwegingen: de documenten bevatten bedrijfsgegevens en persoonlijke beleidsopvattingen."]

    return [(".pdf", lambda p, i: make_pdf(p, text(i), title=f"Besluit Woo-verzoek {i}")),
            (".docx", lambda p, i: make_docx(p, text(i), title=f"Advies {i}")),
            (".odt", lambda p, i: make_odt(p, text(i), title=f"Notitie {i}"))]


def build_files(tmp: Path, n_hostile: int, n_normal: int, rnd: random.Random) -> list[dict]:
    makers = hostile_makers(tmp)
    files = []
    for i in range(n_hostile):
        cls, suffix, make = makers[i % len(makers)]
        path = make(tmp / f"h{i:04d}-{cls}{suffix}", i)
        files.append({"path": path, "class": cls, "normal": False})
    normals = normal_makers()
    for i in range(n_normal):
        suffix, make = normals[i % len(normals)]
        path = make(tmp / f"n{i:03d}{suffix}", i)
        files.append({"path": path, "class": "normaal", "normal": True})
    rnd.shuffle(files)
    return files


# ------------------------------------------------------------------------------------------ processes

def _stat(pid: int) -> tuple[int, int] | None:
    """(ppid, start time in clock ticks) of a live process."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[1]), int(fields[19])
    except (OSError, IndexError, ValueError):
        return None


def tree(root: int) -> list[int]:
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            st = _stat(int(entry.name))
            if st:
                parents.setdefault(st[0], []).append(int(entry.name))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(parents.get(pid, []))
    return out


def _kb(pid: int, key: str, name: str = "status") -> int:
    try:
        for line in Path(f"/proc/{pid}/{name}").read_text().splitlines():
            if line.startswith(key):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _name(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")[:90]
    except OSError:
        return "?"


class Sampler(threading.Thread):
    """Memory of the whole tree every ``interval`` seconds; remembers every process it saw."""

    def __init__(self, root: int, interval: float):
        super().__init__(daemon=True)
        self.root, self.interval = root, interval
        self.stop = threading.Event()
        self.peak_rss_sum = self.peak_pss_sum = 0
        self.peak_single = (0, "")
        self.seen: dict[tuple[int, int], str] = {}

    def run(self) -> None:
        while not self.stop.is_set():
            rss_sum = pss_sum = 0
            for pid in tree(self.root):
                st = _stat(pid)
                if st is None:
                    continue
                rss = _kb(pid, "VmRSS:")
                rss_sum += rss
                pss_sum += _kb(pid, "Pss:", "smaps_rollup")
                key = (pid, st[1])
                if key not in self.seen:
                    self.seen[key] = _name(pid)
                if rss > self.peak_single[0]:
                    self.peak_single = (rss, self.seen[key])
            self.peak_rss_sum = max(self.peak_rss_sum, rss_sum)
            self.peak_pss_sum = max(self.peak_pss_sum, pss_sum)
            self.stop.wait(self.interval)


def leftovers(seen: dict[tuple[int, int], str], data_dir: Path, me: int) -> list[str]:
    alive = [f"{pid} {name}" for (pid, start), name in seen.items()
             if pid != me and (st := _stat(pid)) is not None and st[1] == start]
    marker = f"WOO_DATA_DIR={data_dir}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        try:
            env = (entry / "environ").read_bytes()
        except OSError:
            continue
        if marker in env.split(b"\0"):
            line = f"{entry.name} {_name(int(entry.name))}"
            if line not in alive:
                alive.append(line)
    return alive


# ------------------------------------------------------------------------------------------ the run

def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--hostile", type=int, default=500)
    ap.add_argument("--normal", type=int, default=50)
    ap.add_argument("--uploaders", type=int, default=4)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--sample", type=float, default=0.5, help="seconds between memory samples")
    ap.add_argument("--wait", type=float, default=900, help="at most this long for the normal documents")
    args = ap.parse_args()
    import requests

    from woo.embedded.servers import free_port

    rnd = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="woo-hostile-"))
    data_dir, files_dir = work / "data", work / "files"
    files_dir.mkdir()
    say(f"bestanden maken in {files_dir} ...")
    started = time.time()
    files = build_files(files_dir, args.hostile, args.normal, rnd)
    say(f"{len(files)} bestanden gemaakt in {time.time() - started:.0f}s "
        f"({sum(f['path'].stat().st_size for f in files) / 1e6:.1f} MB)")

    port = free_port()
    env = {**os.environ, "WOO_DATA_DIR": str(data_dir), "WOO_SECRET_KEY": "hostile-bench"}
    env.pop("WOO_DATABASE_URL", None)  # the embedded default: SQLite in the data dir
    log = open(work / "woo-up.log", "wb")
    up = subprocess.Popen([PY, "-m", "woo", "up", "--data-dir", str(data_dir), "--port", str(port)],
                          env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    sampler = Sampler(up.pid, args.sample)
    sampler.start()
    base = f"http://127.0.0.1:{port}"
    ok = True
    try:
        deadline = time.time() + 180
        while time.time() < deadline:
            try:
                if requests.get(base + "/login", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if up.poll() is not None:
                raise RuntimeError(f"woo up stopte; zie {work / 'woo-up.log'}")
            time.sleep(0.5)
        else:
            raise RuntimeError(f"woo up kwam niet op; zie {work / 'woo-up.log'}")
        say(f"woo up draait op {base} (data {data_dir})")
        token = subprocess.run([PY, "-m", "woo", "user", "token", "admin", "--name", "hostile-bench",
                                "--scopes", "ingest read edit publish", "--data-dir", str(data_dir)],
                               env=env, capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
        auth = {"Authorization": f"Bearer {token}"}

        results: list[dict] = []
        lock = threading.Lock()
        queue = list(files)

        def uploader() -> None:
            session = requests.Session()
            while True:
                with lock:
                    if not queue:
                        return
                    f = queue.pop(0)
                rec = {**f, "sent": time.time()}
                try:
                    with open(f["path"], "rb") as fh:
                        r = session.post(base + "/api/v1/documents", headers=auth, timeout=300,
                                         files={"file": (f["path"].name, fh)})
                    rec["code"] = r.status_code
                    rec["acked"] = time.time()
                    body = r.json() if r.headers.get("content-type", "").startswith(("application/json",
                                                                                   "application/problem")) else {}
                    rec["id"] = body.get("document_id")
                    rec["detail"] = body.get("detail") or body.get("reason") or ""
                    if f["class"] == "titel-stuurtekens" and rec["id"]:
                        p = session.patch(f"{base}/api/v1/documents/{rec['id']}/metadata", headers=auth,
                                          timeout=60, json={"title": f"abc\u0000def\u0007 {uuid.uuid4().hex[:6]}"})
                        rec["patch"] = p.status_code
                except requests.RequestException as exc:
                    rec["code"], rec["detail"] = 0, str(exc)[:200]
                with lock:
                    results.append(rec)

        say(f"uploaden met {args.uploaders} uploaders ...")
        t0 = time.time()
        threads = [threading.Thread(target=uploader, daemon=True) for _ in range(args.uploaders)]
        for t in threads:
            t.start()

        def ready(doc: dict) -> bool | None:
            """True when every light job is done (and extraction and privacy ran); None if unknown."""
            try:
                r = requests.get(f"{base}/api/v1/documents/{doc['id']}", headers=auth, timeout=30)
            except requests.RequestException:
                return None
            if r.status_code != 200:
                return None
            jobs = r.json().get("jobs") or []
            from woo.services.jobs import HEAVY_KINDS

            light = [j for j in jobs if j["kind"] not in HEAVY_KINDS]
            kinds_done = {j["kind"] for j in light if j["status"] == "done"}
            return all(j["status"] == "done" for j in light) and all(k in kinds_done for k in LIGHT_KINDS_DONE)

        ready_after: dict[str, float] = {}
        end = time.time() + args.wait
        last_report = 0.0
        while time.time() < end:
            with lock:
                normals = [r for r in results if r["normal"] and r.get("id")]
                uploading = bool(queue) or any(t.is_alive() for t in threads)
            for doc in normals:
                if doc["id"] not in ready_after and ready(doc):
                    ready_after[doc["id"]] = time.time() - doc["acked"]
            if time.time() - last_report > 20:
                say(f"geüpload {len(results)}/{len(files)}, normaal klaar {len(ready_after)}/{args.normal}")
                last_report = time.time()
            if not uploading and len(ready_after) >= len(normals):
                break
            time.sleep(2)
        for t in threads:
            t.join(5)
        upload_s = max((r.get("acked", r["sent"]) for r in results), default=t0) - t0

        def cli(*a: str) -> subprocess.CompletedProcess:
            return subprocess.run([PY, "-m", "woo", *a, "--data-dir", str(data_dir)], env=env,
                                  capture_output=True, text=True, timeout=900)

        feeds = {path: requests.get(base + path, timeout=60).status_code
                 for path in ("/publicaties/feed.atom", "/oai?verb=ListRecords&metadataPrefix=oai_dc", "/robots.txt")}
        jobs = requests.get(base + "/api/v1/documents?per_page=1", headers=auth, timeout=60).status_code
        say("audit verify en fsck ...")
        audit, fsck = cli("audit", "verify"), cli("fsck")
        outcome: dict[str, dict[str, int]] = {}
        for r in results:
            if r["normal"]:
                continue
            if r.get("code") in (200, 201) and r.get("id"):
                kind = "geaccepteerd"
            elif r.get("code", 0) >= 500 or r.get("code") == 0:
                kind = f"FOUT {r.get('code')}"
            else:
                kind = f"geweigerd {r['code']}"
            outcome.setdefault(r["class"], {}).setdefault(kind, 0)
            outcome[r["class"]][kind] += 1
        job_states = _job_states(data_dir, env)
    finally:
        say("woo up stoppen (SIGTERM) ...")
        stop_started = time.time()
        if up.poll() is None:
            os.kill(up.pid, signal.SIGTERM)
        try:
            up.wait(120)
        except subprocess.TimeoutExpired:
            say("woo up stopte niet binnen 120s; SIGKILL")
            os.killpg(up.pid, signal.SIGKILL)
            up.wait()
            ok = False
        stop_s = time.time() - stop_started
        time.sleep(1)
        sampler.stop.set()
        sampler.join(5)
        left = leftovers(sampler.seen, data_dir, os.getpid())

    normals = [r for r in results if r["normal"]]
    times = sorted(ready_after.values())
    not_ready = [r["path"].name for r in normals if r.get("id") not in ready_after]
    five_xx = [r for r in results if r.get("code", 0) >= 500 or r.get("code") == 0]
    patches = [r.get("patch") for r in results if r["class"] == "titel-stuurtekens"]
    print()
    print(f"load bij start van de meting: {Path('/proc/loadavg').read_text().split()[:3]}")
    print(f"{len(results)} uploads ({args.hostile} vijandig, {args.normal} normaal) in {upload_s:.0f}s; "
          f"5xx/verbindingsfout: {len(five_xx)}")
    if times:
        print(f"normaal klaar voor beoordeling: {len(times)}/{len(normals)}; na upload p50 "
              f"{times[len(times) // 2]:.0f}s, max {times[-1]:.0f}s (doel <= {GOAL_READY_S}s)")
        print("  verdeling (s): " + ", ".join(f"p{q} {times[min(len(times) - 1, len(times) * q // 100)]:.0f}"
                                             for q in (10, 25, 50, 75, 90)))
    if not_ready:
        print(f"  NIET klaar: {not_ready[:10]}")
    print(f"piekgeheugen hele procesboom: RSS-som {sampler.peak_rss_sum / 1024:.0f} MB, PSS-som "
          f"{sampler.peak_pss_sum / 1024:.0f} MB; grootste proces {sampler.peak_single[0] / 1024:.0f} MB "
          f"({sampler.peak_single[1]}) (doel <= {GOAL_MEMORY_MB} MB); {len(sampler.seen)} processen gezien")
    print(f"stoppen: {stop_s:.1f}s; processen over na stop: {len(left)}")
    for line in left[:10]:
        print("   ", line)
    print("vijandige bestanden per soort:")
    for cls, counts in sorted(outcome.items()):
        print(f"    {cls:26s} {counts}")
    refusals = sorted({r['detail'][:100] for r in results if not r['normal'] and r.get('code') not in (200, 201)})
    for reason in refusals[:8]:
        print("      weigering:", reason)
    print(f"stuurtekens in titel (PATCH): {sorted(set(patches))}; feeds daarna: {feeds}; API-lijst: {jobs}")
    print(f"taken bij het einde: {job_states}")
    print("audit:", (audit.stdout.strip() or audit.stderr.strip()[-200:]).splitlines()[-1:])
    print("fsck:", (fsck.stdout.strip() or fsck.stderr.strip()[-200:]).splitlines()[-1:])
    ok = (ok and not not_ready and len(times) == args.normal and times[-1] <= GOAL_READY_S
          and sampler.peak_pss_sum / 1024 <= GOAL_MEMORY_MB and sampler.peak_single[0] / 1024 <= GOAL_MEMORY_MB
          and not left and not five_xx and audit.returncode == 0 and fsck.returncode == 0
          and all(code == 200 for code in feeds.values()))
    print("RESULTAAT:", "doelen gehaald" if ok else "DOELEN NIET GEHAALD", f"(logs in {work})")
    return 0 if ok else 1


def _job_states(data_dir: Path, env: dict) -> dict:
    code = ("import json,sys\nfrom sqlalchemy import func, select\nfrom woo.config import load_settings\n"
            "from woo.services.context import build_context\nfrom woo.adapters.models import Job\n"
            "ctx = build_context(load_settings())\nwith ctx.unit_of_work() as s:\n"
            "    rows = s.execute(select(Job.kind, Job.status, func.count()).group_by(Job.kind, Job.status)).all()\n"
            "print(json.dumps({f'{k}/{st}': n for k, st, n in rows}))\n")
    out = subprocess.run([PY, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    return __import__("json").loads(out.stdout) if out.returncode == 0 else {"fout": out.stderr[-200:]}


if __name__ == "__main__":
    sys.exit(main())
