"""The Woo information categories the classifier chooses from, read from the TOOI list.

URIs and labels come from schemas/tooi/woo-informatiecategorieen.csv (never typed by hand), through
the shared loader ``woo.domain.tooi``; the slug is the corpus's (TOOI label in snake case).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

CSV_PATH = Path(__file__).resolve().parents[2] / "schemas" / "tooi" / "woo-informatiecategorieen.csv"


@dataclass(frozen=True)
class Category:
    uri: str
    label: str
    article: str
    description: str

    @property
    def slug(self) -> str:
        return slugify(self.label)


def slugify(label: str) -> str:
    """TOOI label -> snake_case slug as used by the corpus ("agenda’s en ..." -> "agendas_en_...")."""
    text = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"['’`]", "", text.lower())
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


@lru_cache(maxsize=1)
def categories() -> tuple[Category, ...]:
    """All 18 values in the list's order (17 of art. 3.3 and the art. 3.1 one)."""
    from woo.domain import tooi

    return tuple(Category(c.uri, c.label, c.woo_article, c.description) for c in tooi.woo_categories())


def by_uri(uri: str) -> Category:
    for cat in categories():
        if cat.uri == uri:
            return cat
    raise KeyError(uri)


def resolve(value: str) -> Category:
    """A category from its URI, its TOOI label or its slug (case-insensitive for labels/slugs)."""
    value = value.strip()
    wanted = slugify(value)
    for cat in categories():
        if value == cat.uri or wanted == cat.slug:
            return cat
    raise KeyError(value)


def article_31() -> Category:
    """The art. 3.1 value (voluntary publication), found by its article, not by a typed URI."""
    return next(c for c in categories() if c.article.strip() == "3.1")
