"""Citizens follow a category, an onderwerp, a dossier kind or a search query: Atom feeds and e-mail digests.

E-mail (issue 20):
* ``request`` stores a *pending* subscription and queues the confirmation mail (double opt-in); the link in
  it carries a signed token that expires after ``CONFIRM_HOURS``; ``confirm`` activates the subscription.
* ``send_digests`` (CLI, or a scheduler) plans a run: the active subscriptions of one frequency, in id
  ranges of ``BATCH``, one rq job each on the light queue (``send_digest_batch``), retried with back-off.
  A digest holds what was published after the subscriber's last digest and is still published when the
  batch is sent (a withdrawn document never appears in a digest sent after its withdrawal); the cursor
  moves only when the message was accepted, so a retried job never sends one twice.
* every message carries a one-click unsubscribe (RFC 8058 ``List-Unsubscribe`` + ``List-Unsubscribe-Post``);
  ``unsubscribe`` also erases the sealed address.
* a permanent refusal (5xx) counts as a bounce; ``MAX_BOUNCES`` in a row and the address is not mailed again.

Addresses: ``address_sealed`` (Fernet, key derived from WOO_SECRET_KEY: only the mailer opens it) and
``address_hash`` (HMAC-SHA256: duplicates, rate limits, audit events). Nothing in woo lists, exports or
audits an address; SMTP answers are stored with the address removed.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import secrets
import threading
import time
from bisect import bisect_right
from dataclasses import dataclass
from functools import cached_property, lru_cache
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from html import escape

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from woo.adapters import mail
from woo.adapters.models import Document, Organisation, Publication, Subscription, utcnow
from woo.domain import subscriptions as rules
from woo.domain import tooi
from woo.domain.dossiers import Status as DossierStatus
from woo.domain.lifecycle import Status
from woo.domain.subscriptions import Follow, Item, SubscriptionError, Topic
from woo.publish.records import as_utc, file_url, page_url, readable_page_url
from woo.services import audit
from woo.services.context import SYSTEM, Context

log = logging.getLogger(__name__)

CONFIRM_SALT, UNSUBSCRIBE_SALT = "woo-subscription-confirm", "woo-subscription-unsubscribe"
BATCH = 500                        # subscriptions per rq job (one SMTP connection each)
RETRY_INTERVALS = (60, 300, 1800)  # seconds before the 1st, 2nd and 3rd retry of a job
LIMIT_PER_CLIENT = (10, 3600)      # subscription requests per client address per hour
LIMIT_PER_ADDRESS = (3, 86400)     # confirmation mails per e-mail address per day
FLUSH_EVERY = 100                  # sent messages recorded per transaction


class SubscriptionLimited(SubscriptionError):
    """Too many requests; the message is Dutch."""


class MailRetry(RuntimeError):
    """Some messages of a batch could not be delivered for now: the rq job fails and is retried."""


# --------------------------------------------------------------------------- addresses and tokens

def _secret(ctx: Context) -> bytes:
    return ctx.settings.secret_key.encode()


def address_hash(ctx: Context, address: str) -> str:
    return hmac.new(_secret(ctx), b"woo-subscription-address|" + address.lower().encode(), hashlib.sha256).hexdigest()


def _fernet(ctx: Context):
    return _fernet_of(_secret(ctx))


@lru_cache(maxsize=4)
def _fernet_of(secret: bytes):
    """One Fernet per secret key (a digest run unseals thousands of addresses)."""
    from cryptography.fernet import Fernet

    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(b"woo-subscription-seal|" + secret).digest()))


def seal(ctx: Context, address: str) -> str:
    return _fernet(ctx).encrypt(address.encode()).decode()


def unseal(ctx: Context, sealed: str) -> str:
    return _fernet(ctx).decrypt(sealed.encode()).decode()


def _serializer(ctx: Context, salt: str, timed: bool):
    return _serializer_of(ctx.settings.secret_key, salt, timed)


@lru_cache(maxsize=16)
def _serializer_of(secret_key: str, salt: str, timed: bool):
    from itsdangerous import URLSafeSerializer, URLSafeTimedSerializer

    cls = URLSafeTimedSerializer if timed else URLSafeSerializer
    return cls(secret_key, salt=salt)


def confirm_token(ctx: Context, sub: Subscription) -> str:
    return _serializer(ctx, CONFIRM_SALT, True).dumps([sub.id, sub.nonce])


def unsubscribe_token(ctx: Context, sub_id: int, nonce: str) -> str:
    return _serializer(ctx, UNSUBSCRIBE_SALT, False).dumps([sub_id, nonce])


def confirm_url(ctx: Context, sub: Subscription) -> str:
    return f"{sub.base_url}/volgen/bevestigen/{confirm_token(ctx, sub)}"


def unsubscribe_url(ctx: Context, base_url: str, sub_id: int, nonce: str) -> str:
    return f"{base_url}/volgen/afmelden/{unsubscribe_token(ctx, sub_id, nonce)}"


def _scrub(text: str, address: str | None) -> str:
    text = (text or "")[:400]
    if address:
        text = text.replace(address, "<adres>").replace(address.lower(), "<adres>")
    return text


def topic_of(sub: Subscription) -> Topic:
    return Topic(Follow(sub.follow_kind), sub.follow_value, (sub.follow_params or {}).get("categorie"))


# --------------------------------------------------------------------------- rate limits

class _Limiter:
    """Fixed windows in Redis (shared by every web process); without Redis (inline jobs) in this process."""

    def __init__(self):
        self.local: dict[str, tuple[float, int]] = {}
        self.lock = threading.Lock()

    def hit(self, redis, key: str, limit: int, window: int) -> bool:
        """Count one request; False once more than ``limit`` fell in the window."""
        key = "woo:subscribe-limit:" + hashlib.sha256(key.encode()).hexdigest()
        if redis is not None:
            try:
                pipe = redis.pipeline(transaction=True)
                pipe.set(key, 0, ex=window, nx=True)
                pipe.incr(key)
                return int(pipe.execute()[1]) <= limit
            except Exception as exc:  # noqa: BLE001 - Redis down: this process still limits
                log.warning("subscription rate limit without Redis: %s", exc)
        now = time.monotonic()
        with self.lock:
            start, count = self.local.get(key, (now, 0))
            if now - start >= window:
                start, count = now, 0
            self.local[key] = (start, count + 1)
            return count + 1 <= limit


_limiter = _Limiter()


# --------------------------------------------------------------------------- requesting, confirming, leaving

@dataclass
class Requested:
    subscription_id: int | None  # None: nothing new (already active); the page says the same either way


def request(ctx: Context, base_url: str, organisation_ids, address: str, topic: Topic, frequency: str,
            client: str | None = None) -> Requested:
    """A pending subscription and its confirmation mail (queued). Raises SubscriptionError (Dutch)."""
    address = rules.normalise_address(address)
    freq = rules.parse_frequency(frequency)
    digest = address_hash(ctx, address)
    redis = getattr(ctx.queue, "redis", None)
    if not _limiter.hit(redis, f"client|{client or '-'}", *LIMIT_PER_CLIENT):
        raise SubscriptionLimited("U heeft de afgelopen tijd te veel aanmeldingen gedaan. Probeer het over een "
                                  "uur opnieuw.")
    if not _limiter.hit(redis, f"address|{digest}", *LIMIT_PER_ADDRESS):
        raise SubscriptionLimited("Voor dit e-mailadres zijn vandaag al meerdere aanmeldingen gedaan. "
                                  "Probeer het morgen opnieuw.")
    params = {"categorie": topic.category} if topic.category else None
    with ctx.unit_of_work() as s:
        same = s.execute(select(Subscription).where(
            Subscription.address_hash == digest, Subscription.follow_kind == topic.kind.value,
            Subscription.follow_value == topic.value, Subscription.base_url == base_url,
            Subscription.status.in_([rules.PENDING, rules.ACTIVE]))).scalars().all()
        same = [x for x in same if (x.follow_params or None) == params]
        if any(x.status == rules.ACTIVE and x.frequency == freq.value for x in same):
            return Requested(None)  # nothing new; another frequency needs the owner's confirmation first
        sub = next((x for x in same if x.status == rules.PENDING), None)
        if sub is None:
            sub = Subscription(address_hash=digest, follow_kind=topic.kind.value, follow_value=topic.value,
                               follow_params=params, status=rules.PENDING, sent_count=0, bounces=0)
            s.add(sub)
        sub.address_sealed, sub.frequency, sub.nonce = seal(ctx, address), freq.value, secrets.token_hex(8)
        sub.base_url, sub.organisation_ids = base_url.rstrip("/"), sorted(int(i) for i in organisation_ids)
        sub.created_at = utcnow()
        s.flush()
        audit.record(s, SYSTEM.label, "subscription.requested", subscription=sub.id, address_hash=digest,
                     follow=topic.kind.value, frequency=freq.value)
        sub_id = sub.id
    ctx.queue.enqueue("woo.worker.send_subscription_confirmation", sub_id, retry=RETRY_INTERVALS)
    return Requested(sub_id)


def _load_token(ctx: Context, token: str, salt: str, max_age: int | None) -> tuple[int, str]:
    from itsdangerous import BadSignature, SignatureExpired

    try:
        if max_age is None:
            sub_id, nonce = _serializer(ctx, salt, False).loads(token)
        else:
            sub_id, nonce = _serializer(ctx, salt, True).loads(token, max_age=max_age)
        return int(sub_id), str(nonce)
    except SignatureExpired:
        raise SubscriptionError("Deze bevestigingslink is verlopen. Meld u opnieuw aan; u krijgt dan een "
                                "nieuwe link.") from None
    except (BadSignature, ValueError, TypeError):
        raise SubscriptionError("Deze link is ongeldig of niet meer geldig.") from None


@dataclass
class Described:
    """What the pages show about a subscription (never its address)."""
    id: int
    topic: Topic
    frequency: str
    status: str

    @property
    def frequency_nl(self) -> str:
        return rules.FREQUENCY_LABELS_NL[rules.Frequency(self.frequency)]


def _describe(sub: Subscription) -> Described:
    return Described(sub.id, topic_of(sub), sub.frequency, sub.status)


def check_confirm(ctx: Context, token: str) -> Described:
    """The subscription a confirmation link is for (the page asks to confirm), or SubscriptionError."""
    sub_id, nonce = _load_token(ctx, token, CONFIRM_SALT, rules.CONFIRM_HOURS * 3600)
    with ctx.unit_of_work() as s:
        sub = s.get(Subscription, sub_id)
        if sub is None or sub.nonce != nonce or sub.status not in (rules.PENDING, rules.ACTIVE):
            raise SubscriptionError("Deze link is ongeldig of niet meer geldig.")
        return _describe(sub)


def confirm(ctx: Context, token: str) -> Described:
    """Activate a pending subscription (idempotent); any other active subscription of the same address for
    the same topic is replaced (a changed frequency)."""
    sub_id, nonce = _load_token(ctx, token, CONFIRM_SALT, rules.CONFIRM_HOURS * 3600)
    with ctx.unit_of_work() as s:
        sub = s.get(Subscription, sub_id)
        if sub is None or sub.nonce != nonce or sub.status not in (rules.PENDING, rules.ACTIVE):
            raise SubscriptionError("Deze link is ongeldig of niet meer geldig.")
        if sub.status == rules.PENDING:
            now = utcnow()
            older = s.execute(select(Subscription).where(
                Subscription.address_hash == sub.address_hash, Subscription.id != sub.id,
                Subscription.follow_kind == sub.follow_kind, Subscription.follow_value == sub.follow_value,
                Subscription.base_url == sub.base_url, Subscription.status == rules.ACTIVE)).scalars().all()
            for old in older:
                if (old.follow_params or None) == (sub.follow_params or None):
                    old.status, old.unsubscribed_at, old.address_sealed = rules.UNSUBSCRIBED, now, ""
            sub.status, sub.confirmed_at, sub.digest_cursor = rules.ACTIVE, now, now
            audit.record(s, SYSTEM.label, "subscription.confirmed", subscription=sub.id,
                         address_hash=sub.address_hash, follow=sub.follow_kind, frequency=sub.frequency)
        return _describe(sub)


def check_unsubscribe(ctx: Context, token: str) -> Described:
    sub_id, nonce = _load_token(ctx, token, UNSUBSCRIBE_SALT, None)
    with ctx.unit_of_work() as s:
        sub = s.get(Subscription, sub_id)
        if sub is None or sub.nonce != nonce:
            raise SubscriptionError("Deze link is ongeldig of niet meer geldig.")
        return _describe(sub)


def unsubscribe(ctx: Context, token: str) -> Described:
    """End a subscription (one click, no login; idempotent) and erase its sealed address."""
    sub_id, nonce = _load_token(ctx, token, UNSUBSCRIBE_SALT, None)
    with ctx.unit_of_work() as s:
        sub = s.get(Subscription, sub_id)
        if sub is None or sub.nonce != nonce:
            raise SubscriptionError("Deze link is ongeldig of niet meer geldig.")
        if sub.status != rules.UNSUBSCRIBED:
            sub.status, sub.unsubscribed_at, sub.address_sealed = rules.UNSUBSCRIBED, utcnow(), ""
            audit.record(s, SYSTEM.label, "subscription.unsubscribed", subscription=sub.id,
                         address_hash=sub.address_hash, follow=sub.follow_kind)
        return _describe(sub)


# --------------------------------------------------------------------------- what is new / in a feed

def _items(session: Session, organisation_ids, *, since: datetime | None = None, until: datetime | None = None,
           topic: Topic | None = None, limit: int | None = None) -> list[Item]:
    """Published documents and public dossiers of these organisations (published in the window, or the
    newest ``limit``), matching ``topic`` when given; newest first. Only what is public *now*."""
    org_ids = sorted({int(i) for i in organisation_ids})
    if not org_ids:
        return []
    d, p = Document, Publication
    dossier_ids: list[str] | None = None
    if topic is not None and topic.kind == Follow.ONDERWERP:  # onderwerpen are a JSON list: matched here
        want = Topic(Follow.ONDERWERP, topic.value)
        dossier_ids = [i for i, topics in session.execute(
            select(p.id, p.topics).where(p.organisation_id.in_(org_ids), p.topics.is_not(None)))
            if rules.matches(want, Item("dossier", i, "", 0, utcnow(), topics=list(topics or [])))]
        if not dossier_ids:
            return []
    if topic is not None and topic.kind == Follow.ZOEKVRAAG:
        from woo.publish import search as searchidx

        found = searchidx.search(session, org_ids, topic.value, category=topic.category, offset=0,
                                 limit=limit or 1000, published_after=since, facets=False).document_ids
        if not found:
            return []
    docs = (select(d.id, d.title, d.organisation_id, d.published_at, d.updated_at, d.category, p.kind, p.topics)
            .outerjoin(p, p.id == d.publication_id)
            .where(d.status == Status.PUBLISHED, d.organisation_id.in_(org_ids), d.published_at.is_not(None)))
    dossiers = (select(p.id, p.title, p.organisation_id, p.published_at, p.updated_at, p.category, p.kind, p.topics)
                .where(p.status == DossierStatus.OPENBAAR.value, p.organisation_id.in_(org_ids),
                       p.published_at.is_not(None)))
    if since is not None:
        docs, dossiers = docs.where(d.published_at > since), dossiers.where(p.published_at > since)
    if until is not None:
        docs, dossiers = docs.where(d.published_at <= until), dossiers.where(p.published_at <= until)
    if topic is not None:
        if topic.kind == Follow.CATEGORIE:
            docs, dossiers = docs.where(d.category == topic.value), dossiers.where(p.category == topic.value)
        elif topic.kind == Follow.SOORT:
            docs, dossiers = docs.where(p.kind == topic.value), dossiers.where(p.kind == topic.value)
        elif topic.kind == Follow.ONDERWERP:
            docs, dossiers = docs.where(d.publication_id.in_(dossier_ids)), dossiers.where(p.id.in_(dossier_ids))
        else:
            docs, dossiers = docs.where(d.id.in_(found)), None
    out = []
    for kind, stmt in (("document", docs), ("dossier", dossiers)):
        if stmt is None:
            continue
        if limit is not None:
            stmt = stmt.order_by(stmt.selected_columns[3].desc()).limit(limit)
        for r in session.execute(stmt):
            out.append(Item(kind, r[0], r[1], r[2], as_utc(r[3]), category=r[5], dossier_kind=r[6],
                            topics=list(r[7] or []), updated_at=as_utc(r[4]) if r[4] else None))
    out.sort(key=lambda i: (i.published_at, i.id), reverse=True)
    return out[:limit] if limit is not None else out


def item_url(base_url: str, item: Item) -> str:
    return page_url(base_url, item.id) if item.kind == "document" else f"{base_url.rstrip('/')}/dossiers/{item.id}"


def feed(ctx: Context, base_url: str, organisation_ids, topic: Topic, feed_url: str, alternate_url: str,
         limit: int = 50) -> bytes:
    """The Atom feed of a followed topic: its newest published documents and dossiers."""
    from woo.publish.atom import FeedEntry, topic_feed

    with ctx.unit_of_work() as s:
        items = _items(s, organisation_ids, topic=topic, limit=limit)
        names = dict(s.execute(select(Organisation.id, Organisation.name)
                               .where(Organisation.id.in_({i.organisation_id for i in items} or {0}))).all())
    entries = [FeedEntry(item_url(base_url, i), i.title, max(i.updated_at or i.published_at, i.published_at),
                         i.published_at, names.get(i.organisation_id, ""),
                         enclosure=file_url(base_url, i.id) if i.kind == "document" else None,
                         category=tooi.category_by_uri(i.category),
                         summary="Dossier" if i.kind == "dossier" else None) for i in items]
    return topic_feed(feed_url, f"Woo-publicaties: {topic.label}", alternate_url, entries, utcnow())


# --------------------------------------------------------------------------- messages

def _message(ctx: Context, to: str, subject: str, text: str, html: str, unsubscribe: str | None) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"], msg["From"], msg["To"] = subject, ctx.settings.smtp_from, to
    msg["Date"] = format_datetime(utcnow())
    msg["Message-ID"] = make_msgid(domain=ctx.settings.smtp_from.rpartition("@")[2] or None)
    msg["Auto-Submitted"] = "auto-generated"
    if unsubscribe:  # RFC 8058 one-click (and RFC 2369)
        msg["List-Unsubscribe"] = f"<{unsubscribe}>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg.set_content(text)
    msg.add_alternative(f'<!doctype html><html lang="nl"><head><meta charset="utf-8"><title>{escape(subject)}'
                        f'</title></head><body style="font-family:sans-serif;max-width:40em">{html}</body></html>',
                        subtype="html")
    return msg


def confirmation_message(ctx: Context, sub: Subscription, address: str) -> EmailMessage:
    topic, link = topic_of(sub), confirm_url(ctx, sub)
    freq = rules.FREQUENCY_LABELS_NL[rules.Frequency(sub.frequency)]
    text = (f"Goedendag,\n\nU (of iemand anders) heeft gevraagd om {freq} een e-mail te krijgen met nieuwe "
            f"Woo-publicaties over {topic.label}.\n\nBevestig dit via de volgende link (geldig "
            f"{rules.CONFIRM_HOURS} uur):\n{link}\n\nHeeft u dit niet gevraagd? Dan hoeft u niets te doen; "
            "u krijgt geen e-mail meer van ons.\n")
    html = (f"<p>Goedendag,</p><p>U (of iemand anders) heeft gevraagd om {escape(freq)} een e-mail te krijgen met "
            f"nieuwe Woo-publicaties over {escape(topic.label)}.</p><p><a href=\"{escape(link)}\">Bevestig uw "
            f"aanmelding</a> (geldig {rules.CONFIRM_HOURS} uur).</p><p>Heeft u dit niet gevraagd? Dan hoeft u niets "
            "te doen; u krijgt geen e-mail meer van ons.</p>")
    return _message(ctx, address, "Bevestig uw aanmelding voor Woo-publicaties", text, html, None)


def send_confirmation(ctx: Context, sub_id: int) -> str:
    """The rq job: mail the confirmation link. A 4xx or a lost connection raises (rq retries)."""
    with ctx.unit_of_work() as s:
        sub = s.get(Subscription, sub_id)
        if sub is None or sub.status != rules.PENDING or not sub.address_sealed:
            return "niets te doen"
        address = unseal(ctx, sub.address_sealed)
        msg = confirmation_message(ctx, sub, address)
    with mail.Mailer(ctx.settings) as m:
        outcome = m.send(msg, address)
    if outcome.status == mail.SENT:
        return "verzonden"
    if outcome.status == mail.TRANSIENT:
        raise MailRetry(f"bevestiging niet afgeleverd (tijdelijk): {outcome.code} {_scrub(outcome.reply, address)}")
    with ctx.unit_of_work() as s:
        sub = s.get(Subscription, sub_id)
        _bounced(s, sub, _scrub(f"{outcome.code} {outcome.reply}", address))
    return "geweigerd"


def _bounced(session: Session, sub: Subscription, reply: str) -> None:
    sub.bounces, stop = rules.after_refusal(sub.bounces or 0, True)
    sub.last_error = reply[:500]
    if stop:
        sub.status = rules.BOUNCING
    audit.record(session, SYSTEM.label, "subscription.bounced", subscription=sub.id,
                 address_hash=sub.address_hash, bounces=sub.bounces, stopped=stop, reply=reply[:200])


@dataclass
class _Section:
    """The part of a digest that is the same for every subscriber of one topic and window."""
    subject: str
    text: str
    html: str

    @cached_property
    def subject_header(self) -> str:
        from email.header import Header

        return Header(self.subject, "utf-8", maxlinelen=76).encode().replace("\n", "\r\n")


def _digest_section(topic: Topic, base_url: str, items: list[Item], names: dict[int, str]) -> _Section:
    dossiers = [i for i in items if i.kind == "dossier"]
    docs = [i for i in items if i.kind == "document"]
    lines, html = [f"Nieuwe Woo-publicaties over {topic.label}:", ""], [
        f"<p>Nieuwe Woo-publicaties over {escape(topic.label)}:</p>"]
    for title, group in (("Dossiers", dossiers), ("Documenten", docs)):
        if not group:
            continue
        lines.append(f"{title} ({len(group)})")
        html.append(f"<h2 style=\"font-size:1.1em\">{title} ({len(group)})</h2><ul>")
        for i in group[:rules.MAX_ITEMS]:
            url = readable_page_url(base_url, i.id, i.title) if i.kind == "document" else item_url(base_url, i)
            when = i.published_at.strftime("%d-%m-%Y")
            org = names.get(i.organisation_id, "")
            lines.append(f"- {i.title}\n  {org}, gepubliceerd {when}\n  {url}")
            html.append(f"<li><a href=\"{escape(url)}\">{escape(i.title)}</a><br><small>{escape(org)}, "
                        f"gepubliceerd {when}</small></li>")
        if len(group) > rules.MAX_ITEMS:
            lines.append(f"... en nog {len(group) - rules.MAX_ITEMS} meer.")
            html.append(f"<li>... en nog {len(group) - rules.MAX_ITEMS} meer.</li>")
        lines.append("")
        html.append("</ul>")
    n = len(items)
    subject = f"{n} nieuwe {'publicatie' if n == 1 else 'publicaties'}: {topic.label}"
    return _Section(subject, "\n".join(lines), "".join(html))


def _digest_message(ctx: Context, section: _Section, address: str, unsubscribe: str, frequency: str) -> bytes:
    """The digest as MIME bytes (multipart/alternative: text and simple HTML, quoted-printable UTF-8).

    Written here rather than with ``email.message``: a run writes thousands of messages that differ only in
    their recipient and unsubscribe link, and the email package spends ~10 ms on each (issue 20 goal: 10,000
    in a minute). The parts are encoded by binascii (C); the subject is encoded once per section."""
    freq = rules.FREQUENCY_LABELS_NL[rules.Frequency(frequency)]
    text = (f"Goedendag,\n\n{section.text}\nU krijgt deze e-mail {freq} omdat u zich hiervoor heeft aangemeld.\n"
            f"Afmelden (één klik):\n{unsubscribe}\n")
    html = (f'<!doctype html><html lang="nl"><head><meta charset="utf-8"><title>{escape(section.subject)}</title>'
            f'</head><body style="font-family:sans-serif;max-width:40em">\n<p>Goedendag,</p>\n{section.html}\n'
            f"<p><small>U krijgt deze e-mail {escape(freq)} omdat u zich hiervoor heeft aangemeld. "
            f'<a href="{escape(unsubscribe)}">Afmelden</a></small></p>\n</body></html>\n')
    boundary = "=_woo_" + secrets.token_hex(8)  # "=_" never occurs in quoted-printable text
    head = (f"From: {ctx.settings.smtp_from}\r\nTo: {address}\r\nSubject: {section.subject_header}\r\n"
            f"Date: {format_datetime(utcnow())}\r\nMessage-ID: <{secrets.token_hex(12)}@{_domain(ctx)}>\r\n"
            f"MIME-Version: 1.0\r\nAuto-Submitted: auto-generated\r\n"
            f"List-Unsubscribe: <{unsubscribe}>\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
            f'Content-Type: multipart/alternative; boundary="{boundary}"\r\n\r\n')
    parts = [head.encode("utf-8")]
    for subtype, body in (("plain", text), ("html", html)):
        parts.append(f'--{boundary}\r\nContent-Type: text/{subtype}; charset="utf-8"\r\n'
                     "Content-Transfer-Encoding: quoted-printable\r\n\r\n".encode())
        parts.append(binascii.b2a_qp(body.encode("utf-8"), istext=True).replace(b"\n", b"\r\n"))
        parts.append(b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts)


def _domain(ctx: Context) -> str:
    return ctx.settings.smtp_from.rpartition("@")[2] or "localhost"


# --------------------------------------------------------------------------- digest runs

@dataclass
class Planned:
    frequency: str
    subscriptions: int = 0
    batches: int = 0
    removed_unconfirmed: int = 0


def send_digests(ctx: Context, frequency: str, now: datetime | None = None) -> Planned:
    """Plan a digest run: one rq job per ``BATCH`` active subscriptions of ``frequency`` (id ranges, so the
    plan itself holds no list in memory or in Redis). Unconfirmed requests past their link's life go."""
    freq = rules.parse_frequency(frequency)
    run = as_utc(now) if now else utcnow()
    planned = Planned(freq.value)
    with ctx.unit_of_work() as s:
        planned.removed_unconfirmed = s.execute(delete(Subscription).where(
            Subscription.status == rules.PENDING,
            Subscription.created_at < run - timedelta(hours=rules.CONFIRM_HOURS))).rowcount or 0
        ranges, first, count = [], None, 0
        for sub_id in s.execute(select(Subscription.id).where(
                Subscription.status == rules.ACTIVE, Subscription.frequency == freq.value)
                .order_by(Subscription.id)).scalars():
            first = sub_id if first is None else first
            count += 1
            planned.subscriptions += 1
            if count == BATCH:
                ranges.append((first, sub_id))
                first, count = None, 0
        if first is not None:
            ranges.append((first, sub_id))
        audit.record(s, SYSTEM.label, "subscription.digests_planned", frequency=freq.value,
                     subscriptions=planned.subscriptions, batches=len(ranges))
    for lo, hi in ranges:
        enqueue_batch(ctx, freq.value, lo, hi, run)
    planned.batches = len(ranges)
    return planned


SCHEDULE_KEY = "woo:digest-run:{frequency}:{period}"  # set once (SET NX) by the round that plans the run
SCHEDULE_KEEP = 9 * 86400  # longer than a week: the weekly period's key outlives its week


def scheduled_runs(ctx: Context, now: datetime | None = None) -> dict[str, int]:
    """The maintenance round's part (woo.services.maintenance.tick, every worker about once a minute): plan
    the daily and the weekly digest run once per period, from WOO_DIGEST_HOUR (Dutch time) on. The period's
    key is set with SET NX, so of all workers and rounds exactly one plans it; if planning fails the key is
    removed and a later round tries again. Should Redis lose the key, a second plan sends nothing twice:
    each subscriber is skipped until its digest is due again (woo.domain.subscriptions.is_due).
    Returns frequency -> subscriptions planned."""
    hour = ctx.settings.digest_hour
    if hour is None or not ctx.settings.smtp_host:
        return {}
    from zoneinfo import ZoneInfo

    run = as_utc(now) if now else utcnow()
    planned: dict[str, int] = {}
    redis = ctx.queue.redis
    for frequency, period in rules.due_periods(run.astimezone(ZoneInfo("Europe/Amsterdam")), hour, ctx.settings.digest_weekday):
        key = SCHEDULE_KEY.format(frequency=frequency, period=period)
        if not redis.set(key, run.isoformat(), nx=True, ex=SCHEDULE_KEEP):
            continue
        try:
            planned[frequency] = send_digests(ctx, frequency, now=run).subscriptions
        except Exception:
            redis.delete(key)
            raise
    return planned


def enqueue_batch(ctx: Context, frequency: str, lo: int, hi: int, run: datetime) -> None:
    ctx.queue.enqueue("woo.worker.send_digest_batch", frequency, lo, hi, run.isoformat(),
                      job_id=f"woo-digest-{frequency}-{int(run.timestamp())}-{lo}", retry=RETRY_INTERVALS)


@dataclass
class BatchResult:
    sent: int = 0
    empty: int = 0          # nothing new: no message, the cursor moves on
    bounced: int = 0
    stopped: int = 0        # reached MAX_BOUNCES
    retry: int = 0          # refused for now: the job is retried
    skipped: int = 0        # not due (a digest went out recently) or already done by an earlier attempt


def send_digest_batch(ctx: Context, frequency: str, lo: int, hi: int, run_started: datetime) -> BatchResult:
    """Send the digests of the active subscriptions with ids lo..hi over a few SMTP connections at once
    (WOO_SMTP_CONNECTIONS, reused for the whole batch): each message costs four round trips to the server, so
    one connection spends most of a run waiting. Delivered cursors are recorded per FLUSH_EVERY messages."""
    run = as_utc(run_started)
    result = BatchResult()
    with ctx.sessions() as s:
        subs = s.execute(select(
            Subscription.id, Subscription.address_sealed, Subscription.follow_kind, Subscription.follow_value,
            Subscription.follow_params, Subscription.base_url, Subscription.organisation_ids,
            Subscription.digest_cursor, Subscription.confirmed_at, Subscription.last_sent_at, Subscription.nonce)
            .where(Subscription.status == rules.ACTIVE, Subscription.frequency == frequency,
                   Subscription.id >= lo, Subscription.id <= hi).order_by(Subscription.id)).all()
        due = []
        for r in subs:
            start, _ = rules.window(as_utc(r.digest_cursor), as_utc(r.confirmed_at), run)
            if start >= run or not rules.is_due(frequency, as_utc(r.last_sent_at), run):
                result.skipped += 1
                continue
            due.append((r, start))
        if not due:
            return result
        since = min(start for _, start in due)
        org_ids = sorted({int(o) for r, _ in due for o in (r.organisation_ids or [])})
        # one read of what is new and still published *now*, shared by the whole batch
        new = _items(s, org_ids, since=since, until=run)
        names = dict(s.execute(select(Organisation.id, Organisation.name)).all())
        # each (topic, site) once per batch, oldest first so a subscriber's window is one bisect
        groups: dict[tuple, tuple[list[Item], list[datetime]]] = {}
        for r, _ in due:
            topic, orgs = _topic(r), tuple(sorted(int(o) for o in (r.organisation_ids or [])))
            if (topic, orgs) in groups:
                continue
            if topic.kind == Follow.ZOEKVRAAG:
                found = {i.id for i in _items(s, orgs, since=since, until=run, topic=topic)}
                picked = [i for i in new if i.kind == "document" and i.id in found]
            else:
                picked = [i for i in new if i.organisation_id in orgs and rules.matches(topic, i)]
            picked.sort(key=lambda i: i.published_at)
            groups[(topic, orgs)] = (picked, [i.published_at for i in picked])
    sections: dict[tuple, _Section] = {}
    done: list[dict] = []
    moved: list[dict] = []
    refused: list[tuple[int, str]] = []
    outgoing: list[tuple] = []  # (subscription id, recipient, MIME bytes): sent FLUSH_EVERY at a time
    with mail.MailerPool(ctx.settings, ctx.settings.smtp_connections) as pool:
        def deliver() -> None:
            nonlocal done, moved
            for (sub_id, address), outcome in zip([(i, a) for i, a, _ in outgoing],
                                                  pool.send_all([(m, a) for _, a, m in outgoing])):
                if outcome.status == mail.SENT:
                    done.append({"i": sub_id, "c": run, "t": utcnow()})
                    result.sent += 1
                elif outcome.status == mail.PERMANENT:  # a bounce: counted once, not again by a retry of this job
                    refused.append((sub_id, _scrub(f"{outcome.code} {outcome.reply}", address)))
                    moved.append({"i": sub_id, "c": run})
                else:
                    result.retry += 1
                    log.warning("digest for subscription %s not delivered for now: %s %s", sub_id, outcome.code,
                                _scrub(outcome.reply, address))
            outgoing.clear()
            _record(ctx, done, moved)
            done, moved = [], []

        for r, start in due:
            topic, orgs = _topic(r), tuple(sorted(int(o) for o in (r.organisation_ids or [])))
            items, times = groups[(topic, orgs)]
            picked = list(reversed(items[bisect_right(times, start):]))
            if not picked:
                moved.append({"i": r.id, "c": run})
                result.empty += 1
                continue
            key = (topic, orgs, r.base_url, start)
            if key not in sections:
                sections[key] = _digest_section(topic, r.base_url, picked, names)
            address = unseal(ctx, r.address_sealed)
            outgoing.append((r.id, address, _digest_message(
                ctx, sections[key], address, unsubscribe_url(ctx, r.base_url, r.id, r.nonce), frequency)))
            if len(outgoing) >= FLUSH_EVERY:
                deliver()
        deliver()
    if refused:
        with ctx.unit_of_work() as s:
            for sub_id, reply in refused:
                sub = s.get(Subscription, sub_id)
                _bounced(s, sub, reply)
                result.bounced += 1
                result.stopped += sub.status == rules.BOUNCING
    with ctx.unit_of_work() as s:
        audit.record(s, SYSTEM.label, "subscription.digests_sent", frequency=frequency, first=lo, last=hi,
                     sent=result.sent, empty=result.empty, bounced=result.bounced, retry=result.retry)
    if result.retry:
        raise MailRetry(f"{result.retry} digests niet afgeleverd (tijdelijk); de taak wordt herhaald")
    return result


def _topic(r) -> Topic:
    return Topic(Follow(r.follow_kind), r.follow_value, (r.follow_params or {}).get("categorie"))


def _record(ctx: Context, done: list[dict], moved: list[dict]) -> None:
    """Move the cursors of delivered (and empty) digests, many rows per statement."""
    from sqlalchemy import bindparam

    if not done and not moved:
        return
    t = Subscription.__table__
    with ctx.sessions.begin() as s:
        conn = s.connection()
        if done:
            conn.execute(t.update().where(t.c.id == bindparam("i")).values(
                digest_cursor=bindparam("c"), last_sent_at=bindparam("t"), sent_count=t.c.sent_count + 1,
                bounces=0), done)
        if moved:
            conn.execute(t.update().where(t.c.id == bindparam("i")).values(digest_cursor=bindparam("c")), moved)


def counts(session: Session) -> dict[str, int]:
    """How many subscriptions per status (for operators; never an address)."""
    from sqlalchemy import func

    return dict(session.execute(select(Subscription.status, func.count()).group_by(Subscription.status)).all())


__all__ = ["request", "confirm", "check_confirm", "unsubscribe", "check_unsubscribe", "feed", "send_digests",
           "scheduled_runs",
           "send_digest_batch", "send_confirmation", "SubscriptionError", "SubscriptionLimited", "MailRetry",
           "counts", "address_hash"]
