"""Privacy scan figures on the development corpus (../shared/corpus).

    .venv/bin/python scripts/bench/privacy.py [--no-ocr] [--per-type 6]

Prints recall/precision per type on corpus text with injected values, what the scan finds in the
un-injected corpus (to review by hand), and scan time against identify+extract time per document.
"""
from __future__ import annotations

import argparse
import csv
import difflib
import random
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections import Counter
import os
from pathlib import Path

from woo.intake.extract import extract_text
from woo.intake.identify import identify
from woo.privacy.benchmark import STRICT_TYPES, evaluate, evaluate_real_writing, real_writing_cases
from woo.privacy.document import scan_extracted
from woo.privacy.hidden import inspect_hidden, removed_in_public_pdf

CORPUS = Path(os.environ.get("WOO_SHARED") or Path(__file__).resolve().parents[2].parent / "shared") / "corpus"


FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")  # Unicode: "Ayşe" must survive the rendering
PER_FILE = 12  # cases per document, so a file reads like a letter with several passages


def render(texts: list[str], fmt: str, path: Path) -> Path:
    """Write the passages as a text PDF, a scanned (image-only) PDF or a DOCX."""
    if fmt == "docx":
        import docx

        d = docx.Document()
        for t in texts:
            for line in t.split("\n"):
                d.add_paragraph(line)
        d.save(path)
        return path
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_font("DejaVu", fname=str(FONT))
    pdf.set_font("DejaVu", size=11)
    pdf.add_page()
    for t in texts:
        pdf.multi_cell(0, 6, t.replace("\t", "    "))
        pdf.ln(3)
    text_pdf = path.with_suffix(".text.pdf") if fmt == "scan" else path
    pdf.output(str(text_pdf))
    if fmt == "pdf":
        return path
    # a scan: rasterise at 200 dpi and wrap the page images in a PDF without a text layer
    from PIL import Image

    subprocess.run(["pdftoppm", "-r", "200", "-gray", "-png", str(text_pdf), str(path.with_suffix(""))], check=True)
    pages = sorted(path.parent.glob(path.stem + "-*.png"))
    images = [Image.open(p).convert("L") for p in pages]
    images[0].save(path, "PDF", resolution=200, save_all=True, append_images=images[1:])
    return path


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def read_as(value: str, found: str) -> bool:
    """The finding covers the value as the file reads back: OCR drops diacritics ("Çelik" -> "Celik") and
    misreads a letter now and then ("Łukasz" -> "tukasz"); a finding that covers such a reading of the name
    still leads the officer to it (the redaction covers the words on the page)."""
    if value in found:
        return True
    v, f = _fold(value), _fold(found)
    if v in f:
        return True
    return difflib.SequenceMatcher(None, v, f).ratio() >= 0.8 or any(
        difflib.SequenceMatcher(None, v, f[i:i + len(v)]).ratio() >= 0.8 for i in range(0, max(1, len(f) - len(v) + 1)))


def real_writing_in_files(cases, fmt: str, tmp: Path) -> dict[str, tuple[int, int, list[str]]]:
    """evaluate_real_writing's cases rendered into files and read back through woo's own extraction (OCR for
    scans) and document scan: kind -> (found, total, missed examples)."""
    out: dict[str, tuple[int, int, list[str]]] = {}
    for start in range(0, len(cases), PER_FILE):
        chunk = cases[start:start + PER_FILE]
        path = render([text for _, text, _ in chunk], fmt, tmp / f"cases-{start}.{'docx' if fmt == 'docx' else 'pdf'}")
        kind = identify(path, path.name).kind
        ex = extract_text(path, kind, ocr=True)
        found = scan_extracted(kind, ex.text, ex.pages)
        for case_kind, text, values in chunk:
            hit, total, missed = out.get(case_kind, (0, 0, []))
            for value in values:
                total += 1
                if case_kind.startswith("name") or case_kind == "official_proposed":
                    mine = [f for f in found if f.type == "person_name" and read_as(value, f.text)]
                    ok = bool(mine) and (case_kind != "official_proposed" or all(f.role for f in mine))
                else:
                    ok = any(f.type == "birthdate" and f.text == value for f in found)
                hit += ok
                if not ok and len(missed) < 5:
                    missed.append(text[:80])
            out[case_kind] = (hit, total, missed)
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--no-ocr", action="store_true")
    ap.add_argument("--per-type", type=int, default=6)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-formats", action="store_true", help="skip the PDF / scan / DOCX renderings of the cases")
    ap.add_argument("--format-cases", type=int, default=10, help="cases per kind rendered into files")
    args = ap.parse_args()
    if not (CORPUS / "manifest.csv").exists():
        print(f"corpus not found at {CORPUS}", file=sys.stderr)
        return 2

    texts, ratios, rows = [], [], []
    law_findings: Counter = Counter()  # on law texts: open findings vs officials proposed
    hidden_kinds: Counter = Counter()
    baseline: Counter = Counter()
    examples: dict[str, list[str]] = {}
    for row in csv.DictReader(open(CORPUS / "manifest.csv", encoding="utf-8")):
        path = CORPUS / row["path"]
        t0 = time.perf_counter()
        try:
            kind = identify(path, path.name).kind
            ex = extract_text(path, kind, ocr=not args.no_ocr)
        except Exception as exc:  # noqa: BLE001
            print(f"skip {row['path']}: {exc}", file=sys.stderr)
            continue
        t1 = time.perf_counter()
        findings = scan_extracted(kind, ex.text, ex.pages)
        try:
            hidden = inspect_hidden(path, kind)
        except Exception as exc:  # noqa: BLE001
            hidden = []
            print(f"hidden {row['path']}: {exc}", file=sys.stderr)
        for h in hidden:
            hidden_kinds["removed (no decision)" if kind == "pdf" and removed_in_public_pdf(h) else "to decide"] += 1
        if row["category_slug"] == "wetten_en_algemeen_verbindende_voorschriften":
            for f in findings:
                law_findings["official proposed" if f.role else f"open {f.type}"] += 1
        t2 = time.perf_counter()
        texts.append(ex.text)
        ratios.append((t2 - t1) / max(t1 - t0, 1e-6))
        rows.append((row["path"], len(ex.text), t1 - t0, t2 - t1))
        for f in findings:
            baseline[f.type] += 1
            examples.setdefault(f.type, []).append(f.text)

    ingest = sum(r[2] for r in rows)
    scan = sum(r[3] for r in rows)
    print(f"documents: {len(rows)}, characters: {sum(r[1] for r in rows):,}")
    print(f"identify+extract: {ingest:.2f}s total, scan+hidden: {scan:.2f}s total "
          f"({100 * scan / ingest:.1f}% of extract)")
    print(f"scan per document: median {1000 * statistics.median(r[3] for r in rows):.1f} ms, "
          f"max {1000 * max(r[3] for r in rows):.0f} ms; "
          f"scan/extract ratio per document median {statistics.median(ratios):.2f}")
    slow = sorted(rows, key=lambda r: -r[3])[:3]
    for path, chars, te, ts in slow:
        print(f"  slowest: {path} ({chars:,} chars) extract {te:.2f}s scan {ts:.2f}s")

    print("\nfindings in the un-injected corpus (review these by hand):")
    rng = random.Random(0)
    for kind, n in baseline.most_common():
        sample = rng.sample(examples[kind], min(8, len(examples[kind])))
        print(f"  {kind}: {n}  e.g. {sample}")

    print(f"\nhidden content items: {dict(hidden_kinds)}")
    print(f"findings on the {sum(1 for r in csv.DictReader(open(CORPUS / 'manifest.csv', encoding='utf-8')) if r['category_slug'].startswith('wetten'))} "
          f"law texts: {dict(law_findings) or 'none'}")

    real = evaluate_real_writing(real_writing_cases(random.Random(args.seed), 40))
    print("\nreal writing (issue 15 cases, 40 each): recall per kind")
    for kind, (hit, total, missed) in real.items():
        print(f"  {kind:<24} {hit:>4}/{total:<4} {hit / total:.3f}" + (f"  missed e.g. {missed[:2]}" if missed else ""))

    if not args.no_formats:
        print("\nreal writing in files (the same cases as PDF, scanned PDF via OCR, and DOCX): recall per kind")
        cases = real_writing_cases(random.Random(args.seed), args.format_cases)
        for fmt in ("pdf", "scan", "docx"):
            t0 = time.perf_counter()
            result = real_writing_in_files(cases, fmt, Path(tempfile.mkdtemp(prefix=f"woo-privacy-{fmt}-")))
            print(f"  {fmt} ({time.perf_counter() - t0:.1f} s):")
            for kind, (hit, total, missed) in result.items():
                print(f"    {kind:<24} {hit:>4}/{total:<4} {hit / total:.3f}" + (f"  missed e.g. {missed[:2]}" if missed else ""))

    scores = evaluate(texts, seed=args.seed, per_type=args.per_type, names=args.per_type, addresses=args.per_type)
    print(f"\ninjected labelled set ({args.per_type} per type per document, seed {args.seed}):")
    print(f"  {'type':<12} {'tp':>5} {'fn':>4} {'fp':>4}  recall  precision")
    for kind in (*STRICT_TYPES, "person_name", "address"):
        print(f"  {kind:<12} {scores.tp[kind]:>5} {scores.fn[kind]:>4} {scores.fp[kind]:>4}  "
              f"{scores.recall(kind):.3f}   {scores.precision(kind):.3f}")
    print("  (address: a person's street + number + postcode + place near a person cue, covered whole)")
    if scores.misses:
        print("  missed:", scores.misses[:20])
    if scores.false_alarms:
        print("  new false alarms:", Counter(t for t, _ in scores.false_alarms), scores.false_alarms[:10])
    return 0


if __name__ == "__main__":
    sys.exit(main())
