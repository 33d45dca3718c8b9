"""Integer request parameters, parsed and range-checked in one place (query strings, forms, URL parts).

A value that is not a whole number, or lies outside what the parameter can mean, is a 400 with a Dutch
message (or, where asked, clamped into range), never an overflow deep in SQL or datetime arithmetic (500).
The ``int`` URL converter is replaced by a bounded one, so ``/x/<int:id>`` with 30 digits is a 404.
"""
from __future__ import annotations

from flask import Flask, abort, request
from werkzeug.routing import IntegerConverter

DB_INT_MAX = 2**31 - 1  # the largest id an Integer column holds (PostgreSQL integer)
PAGE_MAX = 100_000  # no list here has that many pages; beyond it the offset only burdens the database


def int_arg(name: str, default: int | None = None, *, minimum: int | None = None, maximum: int | None = None,
            clamp: bool = False, source=None) -> int | None:
    """``name`` from ``source`` (default ``request.args``) as an int; missing or empty gives ``default``.

    Not a whole number: 400. Outside ``minimum``..``maximum``: clamped when ``clamp``, else 400."""
    raw = (request.args if source is None else source).get(name)
    if raw is None or not raw.strip():
        return default
    raw = raw.strip()
    digits = raw[1:] if raw[:1] in "+-" else raw
    if not (digits.isascii() and digits.isdigit()):
        abort(400, description=f"Parameter ‘{name}’ moet een geheel getal zijn.")
    # thousands of digits would cost int() time (and Python refuses > 4300): beyond 30 only the sign matters
    value = int(raw) if len(digits) <= 30 else (-1 if raw.startswith("-") else 1) * 10**30
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        if clamp:
            return minimum if minimum is not None and value < minimum else maximum
        abort(400, description=_message(name, minimum, maximum))
    return value


def _message(name: str, minimum: int | None, maximum: int | None) -> str:
    if minimum is not None and maximum is not None:
        return f"Parameter ‘{name}’ moet een geheel getal van {minimum} tot en met {maximum} zijn."
    if minimum is not None:
        return f"Parameter ‘{name}’ moet een geheel getal van minstens {minimum} zijn."
    return f"Parameter ‘{name}’ moet een geheel getal van hoogstens {maximum} zijn."


class BoundedIntConverter(IntegerConverter):
    """``<int:...>`` that matches only what a database id can be (1..2^31-1); anything else is a 404."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = None,  # noqa: A002
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=0 if min is None else min,
                         max=DB_INT_MAX if max is None else max, signed=signed)


def init_app(app: Flask) -> None:
    """Call before any blueprint is registered (rules bind their converters when added)."""
    app.url_map.converters["int"] = BoundedIntConverter
