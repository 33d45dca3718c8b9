"""The compliance figures: what the dashboard and the annual figures count, as pure rules over plain values.

The counters (``DashboardCount`` rows: organisation, metric, year, category, key -> n, last_at) are kept by
woo.services.dashboard in the transaction of each publication, withdrawal and transfer; this module says
which counters a change moves (``on_published`` ...), how a history is counted from scratch
(``count_history``, for the migration and `woo report recount`), and how the figures are read back out of
them (medians from a histogram of days, decision terms of Woo-besluiten). No I/O.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Iterable

from woo.domain import dossiers as dossier_rules

PUBLISHED, LAG, PUBLIC, WITHDRAWN, REDACTED = "published", "lag", "public", "withdrawn", "redacted"
METRICS = (PUBLISHED, LAG, PUBLIC, WITHDRAWN, REDACTED)
ALL_YEARS = 0  # every counter is kept twice: for its calendar year and for all years (read without grouping)
MAX_LAG_DAYS = 36_500  # a document date a century before publication is a typing error, not a lag


@dataclass(frozen=True)
class Delta:
    """Add ``n`` to one counter (and raise its ``last_at`` to ``at``)."""
    organisation_id: int
    metric: str
    year: int
    category: str
    key: str
    n: int
    at: datetime | None = None


def _day(value: date | datetime | None) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc)
        return value.date()
    return value


def lag_days(document_date: date | datetime | None, published_at: datetime | None) -> int | None:
    """Whole days from a document's own date to its publication (0 when dated after it); None if unknown."""
    start, end = _day(document_date), _day(published_at)
    if start is None or end is None:
        return None
    return min(max((end - start).days, 0), MAX_LAG_DAYS)


def _with_all_years(deltas: list[Delta]) -> list[Delta]:
    return [x for d in deltas for x in (d, Delta(d.organisation_id, d.metric, ALL_YEARS, d.category, d.key, d.n,
                                                 d.at))]


def on_published(organisation_id: int, category: str | None, document_date, published_at: datetime,
                 redactions: dict[str, int] | None = None) -> list[Delta]:
    """A document became public: one publication (with its lag), one more public document, its redactions."""
    cat, year = category or "", published_at.year
    lag = lag_days(document_date, published_at)
    out = [Delta(organisation_id, PUBLISHED, year, cat, "", 1, published_at),
           Delta(organisation_id, PUBLIC, year, cat, "", 1, published_at)]
    if lag is not None:  # a histogram of days: the median is read from it, exactly
        out.append(Delta(organisation_id, LAG, year, cat, str(lag), 1))
    out += [Delta(organisation_id, REDACTED, year, cat, ground or "", n, published_at)
            for ground, n in sorted((redactions or {}).items()) if n]
    return _with_all_years(out)


def merge(deltas: Iterable[Delta]) -> list[Delta]:
    """The same counters as applying ``deltas`` one by one, as one delta per counter (their ``n`` added, the
    latest ``at``), in the order each counter first appears: publishing many documents at once moves each
    counter once."""
    out: dict[tuple, Delta] = {}
    for d in deltas:
        k = (d.organisation_id, d.metric, d.year, d.category, d.key)
        seen = out.get(k)
        if seen is None:
            out[k] = d
        else:
            at = max((a for a in (seen.at, d.at) if a is not None), default=None)
            out[k] = Delta(*k, seen.n + d.n, at)
    return list(out.values())


def on_left_public(organisation_id: int, category: str | None, published_at: datetime) -> list[Delta]:
    """A public document is no longer public (withdrawn, transferred)."""
    return _with_all_years([Delta(organisation_id, PUBLIC, published_at.year, category or "", "", -1)])


def on_withdrawn(organisation_id: int, category: str | None, published_at: datetime, withdrawn_at: datetime,
                 reason: str | None) -> list[Delta]:
    return on_left_public(organisation_id, category, published_at) + _with_all_years([
        Delta(organisation_id, WITHDRAWN, withdrawn_at.year, category or "", reason or "", 1, withdrawn_at)])


def count_history(documents: Iterable[tuple], redactions: Iterable[tuple]) -> list[dict]:
    """Counter rows for a history read from the tables.

    ``documents``: (organisation_id, status, category, document_date, published_at, withdrawn_at,
    withdraw_reason) of every document ever published; ``redactions``: (organisation_id, category,
    published_at, ground, count) of the redacted findings of those documents. A document withdrawn and
    published again counts once here (the counters kept live count each publication)."""
    acc: dict[tuple, list] = {}

    def add(d: Delta) -> None:
        row = acc.setdefault((d.organisation_id, d.metric, d.year, d.category, d.key), [0, None])
        row[0] += d.n
        if d.at is not None and (row[1] is None or d.at > row[1]):
            row[1] = d.at
    for org, status, category, document_date, published_at, withdrawn_at, reason in documents:
        if published_at is None:
            continue
        published_at = _aware(published_at)
        for d in on_published(org, category, document_date, published_at):
            if d.metric != PUBLIC or status == "published":
                add(d)
        if withdrawn_at is not None:
            withdrawn_at = _aware(withdrawn_at)
            for d in _with_all_years([Delta(org, WITHDRAWN, withdrawn_at.year, category or "", reason or "", 1,
                                            withdrawn_at)]):
                add(d)
    for org, category, published_at, ground, n in redactions:
        if published_at is not None:
            published_at = _aware(published_at)
            for d in _with_all_years([Delta(org, REDACTED, published_at.year, category or "", ground or "", int(n),
                                            published_at)]):
                add(d)
    return [{"organisation_id": k[0], "metric": k[1], "year": k[2], "category": k[3], "key": k[4], "n": v[0],
             "last_at": v[1]} for k, v in sorted(acc.items(), key=lambda kv: tuple(str(x) for x in kv[0]))]


def _aware(value: datetime) -> datetime:
    if isinstance(value, str):  # SQLite through a plain connection
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)


# --------------------------------------------------------------------------- reading the figures back

def median_of_histogram(histogram: dict[int, int]) -> float | None:
    """The median of values given as value -> how often (the mean of the two middle ones for an even count)."""
    total = sum(n for n in histogram.values() if n > 0)
    if total == 0:
        return None
    lo_rank, hi_rank = (total - 1) // 2, total // 2
    lo = hi = None
    seen = 0
    for value in sorted(histogram):
        n = histogram[value]
        if n <= 0:
            continue
        if lo is None and seen + n > lo_rank:
            lo = value
        if seen + n > hi_rank:
            hi = value
            break
        seen += n
    return (lo + hi) / 2


def median(values: list[int]) -> float | None:
    hist: dict[int, int] = {}
    for v in values:
        hist[v] = hist.get(v, 0) + 1
    return median_of_histogram(hist)


ON_TIME, LATE, OPEN, OPEN_LATE, UNKNOWN = "op-tijd", "te-laat", "open", "open-te-laat", "onbekend"
TERM_LABELS_NL = {ON_TIME: "Op tijd besloten", LATE: "Te laat besloten", OPEN: "Nog open, binnen de termijn",
                  OPEN_LATE: "Nog open, termijn verstreken", UNKNOWN: "Zonder datum van ontvangst"}


@dataclass(frozen=True)
class BesluitFacts:
    received: date | None
    decided: date | None
    extended: bool = False
    suspension_days: int = 0


def term_state(f: BesluitFacts, today: date) -> str:
    """Which of TERM_LABELS_NL a Woo-besluit is in (art. 4.4 Woo, woo.domain.dossiers.decision_term)."""
    try:
        term = dossier_rules.decision_term(f.received, f.decided, f.extended, f.suspension_days, today=today)
    except dossier_rules.DossierError:
        return UNKNOWN
    if term is None:
        return UNKNOWN
    if f.decided is not None:
        return ON_TIME if term.on_time else LATE
    return OPEN_LATE if term.on_time is False else OPEN


@dataclass
class BesluitFigures:
    counts: dict[str, int] = field(default_factory=lambda: {k: 0 for k in TERM_LABELS_NL})
    median_days: float | None = None   # receipt -> decision, of the decided ones
    decided: int = 0


def besluit_figures(facts: Iterable[BesluitFacts], today: date) -> BesluitFigures:
    out = BesluitFigures()
    days = []
    for f in facts:
        state = term_state(f, today)
        out.counts[state] += 1
        if state in (ON_TIME, LATE):
            days.append((f.decided - f.received).days)
    out.decided = len(days)
    out.median_days = median(days)
    return out
