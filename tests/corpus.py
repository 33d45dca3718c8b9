"""Where the shared development corpus lives, and a marker for tests that need it.

The corpus sits beside the clone (`../shared/corpus`); CI has it, a fresh clone elsewhere does not,
so tests that read it skip with a reason instead of failing.
"""
import os
from pathlib import Path

import pytest

SHARED = Path(os.environ.get("WOO_SHARED") or Path(__file__).resolve().parents[1].parent / "shared")
CORPUS = SHARED / "corpus"
MANIFEST = CORPUS / "manifest.csv"

requires_corpus = pytest.mark.skipif(
    not MANIFEST.exists(), reason="../shared/corpus is absent here (CI has it); corpus tests skipped"
)
