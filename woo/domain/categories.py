"""The Woo information categories (art. 3.3 Woo), as loaded from the TOOI list.

A readable entry point for code that only needs categories; the loading lives in ``tooi``.
"""
from woo.domain.tooi import (  # noqa: F401  (re-exports)
    Category,
    category_by_code,
    category_by_label,
    category_by_uri,
    resolve_category,
    slugify,
    woo_categories,
)

__all__ = ["Category", "category_by_code", "category_by_label", "category_by_uri", "resolve_category",
           "slugify", "woo_categories"]
