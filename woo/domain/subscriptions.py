"""Subscriptions of citizens: what can be followed, what a digest holds, when to stop mailing (pure rules).

A person follows one thing: an information category, an onderwerp (a dossier topic), a dossier kind or a
search query. woo.services.subscriptions asks here whether a new publication matches, which window a digest
covers and whether an address has bounced too often; the web form, the CLI and the rq job all go through it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from woo.domain import tooi
from woo.domain.dossiers import KIND_LABELS_NL, Kind, normalise_topic


class SubscriptionError(ValueError):
    """Bad subscription input; the message is Dutch, for the citizen."""


class Follow(StrEnum):
    CATEGORIE = "categorie"
    ONDERWERP = "onderwerp"
    SOORT = "soort"
    ZOEKVRAAG = "zoekvraag"


class Frequency(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"


FREQUENCY_LABELS_NL = {Frequency.DAILY: "dagelijks", Frequency.WEEKLY: "wekelijks"}
PENDING, ACTIVE, UNSUBSCRIBED, BOUNCING = "pending", "active", "unsubscribed", "bouncing"
MAX_BOUNCES = 3                    # permanent refusals in a row before an address is no longer mailed
CONFIRM_HOURS = 48                 # a confirmation link works this long; unconfirmed requests are then removed
MAX_ITEMS = 50                     # per section of a digest; the rest is a link to the feed
MAX_QUERY = 200

_ADDRESS = re.compile(r"^[^@\s<>\"(),;:\\\[\]]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?"
                      r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)+$")


def normalise_address(value: str | None) -> str:
    """The address as it is hashed and mailed: trimmed, domain in lower case; refused when it is no address."""
    value = (value or "").strip()
    if len(value) > 254 or not _ADDRESS.match(value):
        raise SubscriptionError("Vul een geldig e-mailadres in, bijvoorbeeld naam@voorbeeld.nl.")
    local, _, domain = value.rpartition("@")
    return f"{local}@{domain.lower()}"


def parse_frequency(value: str | None) -> Frequency:
    key = {"dagelijks": "daily", "wekelijks": "weekly"}.get((value or "").strip().lower(),
                                                             (value or "").strip().lower())
    try:
        return Frequency(key)
    except ValueError:
        raise SubscriptionError("Kies hoe vaak u mail wilt: dagelijks of wekelijks.") from None


@dataclass(frozen=True)
class Topic:
    """What is followed: the kind, its value (category URI, onderwerp, dossier kind, query words) and, for a
    query, an optional category filter (URI)."""
    kind: Follow
    value: str
    category: str | None = None

    @property
    def label(self) -> str:
        """Dutch description, as pages and mails name it."""
        if self.kind == Follow.CATEGORIE:
            c = tooi.category_by_uri(self.value)
            return f"informatiecategorie {c.label if c else self.value}"
        if self.kind == Follow.ONDERWERP:
            return f"onderwerp {self.value}"
        if self.kind == Follow.SOORT:
            return f"dossiers van de soort {KIND_LABELS_NL[Kind(self.value)]}"
        extra = ""
        if self.category:
            c = tooi.category_by_uri(self.category)
            extra = f" in {c.label if c else self.category}"
        return f"zoekvraag \u201c{self.value}\u201d{extra}"


def parse_topic(kind: str | None, value: str | None, category: str | None = None) -> Topic:
    """A Topic from form or URL values, or a Dutch error."""
    try:
        follow = Follow((kind or "").strip().lower())
    except ValueError:
        raise SubscriptionError("Kies wat u wilt volgen: een informatiecategorie, een onderwerp, een soort "
                                "dossier of een zoekvraag.") from None
    value = (value or "").strip()
    if follow == Follow.CATEGORIE:
        c = tooi.resolve_category(value or None)
        if c is None:
            raise SubscriptionError("Onbekende informatiecategorie.")
        return Topic(follow, c.uri)
    if follow == Follow.ONDERWERP:
        topic = normalise_topic(value)
        if not topic or len(topic) > 200:
            raise SubscriptionError("Vul het onderwerp in dat u wilt volgen.")
        return Topic(follow, topic)
    if follow == Follow.SOORT:
        try:
            return Topic(follow, Kind(value.lower()).value)
        except ValueError:
            raise SubscriptionError("Onbekende soort dossier. Kies uit: "
                                    + ", ".join(KIND_LABELS_NL.values()) + ".") from None
    words = re.sub(r"\s+", " ", value)[:MAX_QUERY]
    cat = tooi.resolve_category(category) if category else None
    if category and cat is None:
        raise SubscriptionError("Onbekende informatiecategorie.")
    if not words and cat is None:
        raise SubscriptionError("Vul een zoekterm in om die zoekvraag te volgen.")
    return Topic(follow, words, cat.uri if cat else None)


# --------------------------------------------------------------------------- what matches

@dataclass
class Item:
    """A new publication, as the digest and the feeds consider it."""
    kind: str                       # document / dossier
    id: str
    title: str
    organisation_id: int
    published_at: datetime
    category: str | None = None
    dossier_kind: str | None = None         # the dossier's kind (a document: of the dossier it is in)
    topics: list[str] = field(default_factory=list)
    updated_at: datetime | None = None


def matches(topic: Topic, item: Item) -> bool:
    """Whether a new item belongs to a followed category, onderwerp or dossier kind. Search queries are
    answered by the search index (woo.publish.search), never here."""
    if topic.kind == Follow.CATEGORIE:
        return item.category == topic.value
    if topic.kind == Follow.ONDERWERP:
        want = topic.value.lower()
        return any(normalise_topic(t).lower() == want for t in item.topics)
    if topic.kind == Follow.SOORT:
        return item.dossier_kind == topic.value
    return False


def window(cursor: datetime | None, confirmed_at: datetime | None, run_started: datetime) -> tuple[datetime, datetime]:
    """The publications a digest covers: after the last digest (or the confirmation), up to the run's start."""
    start = cursor or confirmed_at or run_started
    return start, run_started


def is_due(frequency: str, last_sent_at: datetime | None, now: datetime) -> bool:
    """A weekly subscriber gets at most one digest in six and a half days, a daily one in twenty hours (a
    late or early run never sends two)."""
    if last_sent_at is None:
        return True
    gap = timedelta(hours=20) if frequency == Frequency.DAILY else timedelta(days=6, hours=12)
    return now - last_sent_at >= gap


def due_periods(local_now: datetime, hour: int, weekday: int = 1) -> list[tuple[str, str]]:
    """The automatic digest runs due at this local time, each named by the period it is for: the daily run
    from ``hour`` o'clock on (period: the date), the weekly one from ``hour`` o'clock on ``weekday`` (ISO,
    1 = Monday) or later in that week (period: the ISO week), so a day the workers were down is caught up.
    The caller runs each (frequency, period) once (woo.services.subscriptions.scheduled_runs)."""
    out = []
    if local_now.hour >= hour:
        out.append((Frequency.DAILY.value, local_now.date().isoformat()))
    iso = local_now.isocalendar()
    if (iso.weekday, local_now.hour) >= (weekday, hour):
        out.append((Frequency.WEEKLY.value, f"{iso.year}-W{iso.week:02d}"))
    return out


def after_refusal(bounces: int, permanent: bool) -> tuple[int, bool]:
    """The new bounce count and whether mailing stops: a permanent (5xx) refusal counts, a delivered
    message resets the count elsewhere; MAX_BOUNCES in a row stop it."""
    if not permanent:
        return bounces, False
    bounces += 1
    return bounces, bounces >= MAX_BOUNCES
