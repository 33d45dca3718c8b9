"""Citizens' subscriptions (issue 20) against real servers: mail goes to a real SMTP server (aiosmtpd) on
127.0.0.1, jobs run on the real rq worker, documents go through the real pipeline; Atom feeds are read by
feedparser and checked against RFC 4287's rules."""
from __future__ import annotations

import json
import re
from datetime import timedelta

import feedparser
import pytest
from lxml import etree
from sqlalchemy import select

from tests.conftest import drain
from tests.integration.test_publish import ONDERZOEK, PRIVACY, WOO_VERZOEK
from tests.integration.test_search import _documents
from tests.smtp_server import SmtpServer
from woo.adapters.models import Document, Event, Publication, Subscription, utcnow
from woo.app import create_app
from woo.domain import tooi
from woo.services import accounts, audit, publication
from woo.services import subscriptions as svc
from woo.services.context import SYSTEM

ATOM = "{http://www.w3.org/2005/Atom}"
ADDRESS = "Burger.Test@Example.NL"
NORMALISED = "Burger.Test@example.nl"


@pytest.fixture
def smtp(woo_ctx):
    with SmtpServer() as server:
        woo_ctx.settings = woo_ctx.settings.replace(smtp_host="127.0.0.1", smtp_port=server.port,
                                                    smtp_from="woo@gemeente.example", smtp_starttls=False)
        yield server


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _link(text: str, path: str) -> str:
    return re.search(r"(http://127\.0\.0\.1" + re.escape(path) + r"[^\s\"<]+)", text).group(1)


def _local(url: str) -> str:
    return url.replace("http://127.0.0.1", "")


def _org_ids(ctx) -> list[int]:
    with ctx.unit_of_work() as s:
        return [accounts.default_organisation(s).id]


def _subscribe_by_web(ctx, client, smtp, topic_args: dict, frequency="daily", address=ADDRESS) -> str:
    """Sign up on the public page, receive the confirmation mail, follow its link and confirm; returns the
    confirmation mail's text."""
    page = client.get("/volgen", query_string=topic_args)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    resp = client.post("/volgen", data={"csrf_token": _csrf(html), "email": address, "frequentie": frequency,
                                        "volg": topic_args["volg"], "waarde": topic_args["waarde"]})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert "Controleer uw e-mail" in resp.get_data(as_text=True)
    before = len(smtp.inbox.messages)
    drain(ctx)  # the rq job mails the confirmation
    mails = smtp.inbox.messages[before:]
    assert len(mails) == 1 and mails[0].recipients == [NORMALISED if address == ADDRESS else address]
    msg = mails[0].message
    assert msg["Subject"] == "Bevestig uw aanmelding voor Woo-publicaties" and msg["From"] == "woo@gemeente.example"
    text = mails[0].part("plain")
    assert "Bevestig dit via de volgende link" in text and mails[0].part("html").startswith("<!doctype html>")
    link = _local(_link(text, "/volgen/bevestigen/"))
    shown = client.get(link)  # a GET (a link scanner) only shows the button
    assert shown.status_code == 200 and "Aanmelding bevestigen" in shown.get_data(as_text=True)
    with ctx.unit_of_work() as s:
        assert s.execute(select(Subscription.status).order_by(Subscription.id.desc())).scalars().first() == "pending"
    done = client.post(link)  # the token in the URL authorises it: no CSRF token needed
    assert done.status_code == 200 and "Aanmelding bevestigd" in done.get_data(as_text=True)
    return text


def _digest(ctx, frequency="daily", now=None) -> svc.Planned:
    planned = svc.send_digests(ctx, frequency, now=now)
    drain(ctx)
    return planned


def test_double_opt_in_digest_without_withdrawn_and_one_click_unsubscribe(woo_ctx, smtp, tmp_path):
    app = create_app(ctx=woo_ctx)
    client = app.test_client()
    _subscribe_by_web(woo_ctx, client, smtp, {"volg": "categorie", "waarde": WOO_VERZOEK})
    with woo_ctx.unit_of_work() as s:
        sub = s.execute(select(Subscription)).scalar_one()
        assert sub.status == "active" and sub.frequency == "daily" and sub.digest_cursor is not None
        # the address is nowhere readable: not in the row, not in any audit event, not in the export
        row = json.dumps({c.name: str(getattr(sub, c.name)) for c in Subscription.__table__.columns}).lower()
        assert "burger.test" not in row and "example.nl" not in row
        assert svc.unseal(woo_ctx, sub.address_sealed) == NORMALISED
        events = s.execute(select(Event).where(Event.action.like("subscription.%"))).scalars().all()
        assert [e.action for e in events] == ["subscription.requested", "subscription.confirmed"]
        assert all(e.detail["address_hash"] == sub.address_hash for e in events)
        assert all("burger" not in json.dumps(e.detail).lower() for e in events)
    import io
    out = io.StringIO()
    with woo_ctx.unit_of_work() as s:
        audit.export(s, out, "jsonl")
    assert "burger.test" not in out.getvalue().lower() and "subscription.confirmed" in out.getvalue()

    # published after the confirmation: A and C in the followed category, B in another; C is withdrawn
    a, b, c = _documents(woo_ctx, tmp_path, [
        ("Besluit op Woo-verzoek over de haven", ["Besluit over de haven en de kade."], WOO_VERZOEK),
        ("Onderzoek naar parkeerdruk", ["Onderzoek parkeren in de binnenstad."], ONDERZOEK),
        ("Besluit op Woo-verzoek dat wordt ingetrokken", ["Dit besluit wordt weer ingetrokken."], WOO_VERZOEK),
    ])
    assert set(publication.publish(woo_ctx, SYSTEM, [a, b, c]).published) == {a, b, c}
    publication.withdraw(woo_ctx, SYSTEM, [c], PRIVACY)

    planned = _digest(woo_ctx)
    assert planned.subscriptions == 1 and planned.batches == 1
    digests = smtp.inbox.messages[1:]
    assert len(digests) == 1
    msg = digests[0].message
    text, html = digests[0].part("plain"), digests[0].part("html")
    assert msg["Subject"] == "1 nieuwe publicatie: informatiecategorie " + tooi.category_by_uri(WOO_VERZOEK).label
    assert "Besluit op Woo-verzoek over de haven" in text
    assert f"http://127.0.0.1/publicaties/{a}/besluit-op-woo-verzoek-over-de-haven" in text  # the readable link
    assert "Besluit op Woo-verzoek over de haven" in html
    assert "ingetrokken" not in text.lower() and c not in text and c not in html      # withdrawn: absent
    assert "parkeerdruk" not in text and b not in text                                # other category
    # RFC 8058 one-click unsubscribe
    unsubscribe = msg["List-Unsubscribe"]
    assert re.fullmatch(r"<http://127\.0\.0\.1/volgen/afmelden/[^>]+>", unsubscribe)
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe.strip("<>") in text and "Afmelden" in html

    # nothing twice: the next day only what was published since the last digest
    (d,) = _documents(woo_ctx, tmp_path, [("Besluit op Woo-verzoek over de brug", ["De brug gaat open."],
                                           WOO_VERZOEK)])
    publication.publish(woo_ctx, SYSTEM, [d])
    _digest(woo_ctx)  # too soon for a daily digest: nothing
    assert len(smtp.inbox.messages) == 2
    _digest(woo_ctx, now=utcnow() + timedelta(days=1))
    second = smtp.inbox.messages[2]
    assert "over de brug" in second.part("plain") and "over de haven" not in second.part("plain")

    # one-click: a POST from the mail client, no session, no CSRF token
    anonymous = app.test_client()
    gone = anonymous.post(_local(unsubscribe.strip("<>")), data="List-Unsubscribe=One-Click",
                          content_type="application/x-www-form-urlencoded")
    assert gone.status_code == 200 and "U bent afgemeld" in gone.get_data(as_text=True)
    with woo_ctx.unit_of_work() as s:
        sub = s.execute(select(Subscription)).scalar_one()
        assert sub.status == "unsubscribed" and sub.address_sealed == ""  # the address is erased
    (e,) = _documents(woo_ctx, tmp_path, [("Besluit op Woo-verzoek over het plein", ["Het plein."], WOO_VERZOEK)])
    publication.publish(woo_ctx, SYSTEM, [e])
    assert _digest(woo_ctx, now=utcnow() + timedelta(days=2)).subscriptions == 0
    assert len(smtp.inbox.messages) == 3
    # the GET of an unsubscribe link only asks; a forged token is refused in Dutch
    assert "Afgemeld" in anonymous.get(_local(unsubscribe.strip("<>"))).get_data(as_text=True)
    bad = anonymous.post("/volgen/afmelden/vervalst.token")
    assert bad.status_code == 400 and "ongeldig" in bad.get_data(as_text=True)


def test_confirmation_link_expires_and_bad_input_is_refused_in_dutch(woo_ctx, smtp, monkeypatch):
    app = create_app(ctx=woo_ctx)
    client = app.test_client()
    html = client.get("/volgen?volg=zoekvraag&waarde=haven").get_data(as_text=True)
    bad = client.post("/volgen", data={"csrf_token": _csrf(html), "email": "geen-adres", "frequentie": "daily",
                                       "volg": "zoekvraag", "waarde": "haven"})
    assert bad.status_code == 400 and "geldig e-mailadres" in bad.get_data(as_text=True)
    no_csrf = client.post("/volgen", data={"email": ADDRESS, "frequentie": "daily", "volg": "zoekvraag",
                                           "waarde": "haven"})
    assert no_csrf.status_code == 400
    ok = client.post("/volgen", data={"csrf_token": _csrf(html), "email": ADDRESS, "frequentie": "weekly",
                                      "volg": "zoekvraag", "waarde": "haven"})
    assert ok.status_code == 200
    drain(woo_ctx)
    link = _local(_link(smtp.inbox.messages[-1].part("plain"), "/volgen/bevestigen/"))
    import time

    from itsdangerous.timed import TimestampSigner

    with monkeypatch.context() as m:  # 49 hours later, as the signer sees it
        m.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) + 49 * 3600)
        expired = client.post(link)
    assert expired.status_code == 400 and "verlopen" in expired.get_data(as_text=True)
    with woo_ctx.unit_of_work() as s:
        assert s.execute(select(Subscription.status)).scalar_one() == "pending"
    # unconfirmed requests are removed once their link is dead
    assert svc.send_digests(woo_ctx, "weekly", now=utcnow() + timedelta(hours=49)).removed_unconfirmed == 1


def test_subscription_requests_are_rate_limited(woo_ctx, smtp):
    topic = svc.rules.parse_topic("soort", "woo-besluit")
    for n in range(3):
        svc.request(woo_ctx, "http://127.0.0.1", _org_ids(woo_ctx), ADDRESS, topic, "daily", client=f"10.0.0.{n}")
    with pytest.raises(svc.SubscriptionLimited, match="vandaag al meerdere aanmeldingen"):
        svc.request(woo_ctx, "http://127.0.0.1", _org_ids(woo_ctx), ADDRESS, topic, "daily", client="10.0.0.9")
    for n in range(10):
        svc.request(woo_ctx, "http://127.0.0.1", _org_ids(woo_ctx), f"iemand{n}@example.nl", topic, "weekly",
                    client="10.1.1.1")
    with pytest.raises(svc.SubscriptionLimited, match="te veel aanmeldingen"):
        svc.request(woo_ctx, "http://127.0.0.1", _org_ids(woo_ctx), "nog.een@example.nl", topic, "weekly",
                    client="10.1.1.1")


def _active(ctx, address: str, topic) -> int:
    made = svc.request(ctx, "http://127.0.0.1", _org_ids(ctx), address, topic, "daily", client=address)
    with ctx.unit_of_work() as s:
        sub = s.get(Subscription, made.subscription_id)
        token = svc.confirm_token(ctx, sub)
    svc.confirm(ctx, token)
    return made.subscription_id


def _a_day_passes(ctx) -> None:
    """The last digest went out a day earlier than it did (the daily rhythm, without waiting a day)."""
    with ctx.unit_of_work() as s:
        for sub in s.execute(select(Subscription).where(Subscription.last_sent_at.is_not(None))).scalars():
            sub.last_sent_at = sub.last_sent_at - timedelta(days=1)


def test_bounces_are_recorded_and_stop_mail_retries_are_not_duplicates(woo_ctx, smtp, tmp_path):
    topic = svc.rules.parse_topic("categorie", WOO_VERZOEK)
    good, bouncing, later = "goed@example.nl", "weg@example.nl", "later@example.nl"
    ids = {a: _active(woo_ctx, a, topic) for a in (good, bouncing, later)}
    drain(woo_ctx)  # the queued confirmation jobs find nothing pending any more: no mail
    smtp.inbox.refuse[bouncing] = f"550 5.1.1 <{bouncing}>: Recipient address rejected"
    smtp.inbox.refuse[later] = "451 4.3.0 Tijdelijk niet beschikbaar"
    start = len(smtp.inbox.messages)
    for day in (1, 2, 3, 4):
        (doc,) = _documents(woo_ctx, tmp_path, [(f"Besluit op Woo-verzoek dag {day}", [f"Dag {day}."], WOO_VERZOEK)])
        publication.publish(woo_ctx, SYSTEM, [doc])
        _a_day_passes(woo_ctx)
        run, lo, hi = utcnow(), min(ids.values()), max(ids.values())
        with pytest.raises(svc.MailRetry):  # 'later' is refused for now: the job fails and rq retries it
            svc.send_digest_batch(woo_ctx, "daily", lo, hi, run)
        # the retry sends only what is still undelivered: 'good' gets no second copy
        with pytest.raises(svc.MailRetry):
            svc.send_digest_batch(woo_ctx, "daily", lo, hi, run)
        assert len(smtp.inbox.to(good)) == day
    assert len(smtp.inbox.messages) - start == 4
    # three permanent refusals in a row: no fourth attempt
    assert smtp.inbox.rcpt_attempts[bouncing] == 3  # days 1-3 (each once, retries skip it); day 4: not tried
    with woo_ctx.unit_of_work() as s:
        sub = s.get(Subscription, ids[bouncing])
        assert sub.status == "bouncing" and sub.bounces == 3
        assert bouncing not in (sub.last_error or "") and "<adres>" in sub.last_error
        events = s.execute(select(Event).where(Event.action == "subscription.bounced")).scalars().all()
        assert len(events) == 3 and events[-1].detail["stopped"] is True
        assert all(bouncing not in json.dumps(e.detail) for e in events)
        assert s.get(Subscription, ids[good]).sent_count == 4
    # once the server takes 'later' again, the retried batch delivers it, with everything since its cursor
    del smtp.inbox.refuse[later]
    _a_day_passes(woo_ctx)
    svc.send_digest_batch(woo_ctx, "daily", min(ids.values()), max(ids.values()), utcnow())
    (mail,) = smtp.inbox.to(later)[-1:]
    assert all(f"dag {d}" in mail.part("plain") for d in (1, 2, 3, 4))
    assert len(smtp.inbox.to(good)) == 4


def _atom_ok(body: bytes) -> etree._Element:
    """RFC 4287 rules a feed must meet (sections 4.1.1, 4.1.2, 4.2), and feedparser reads it without error."""
    parsed = feedparser.parse(body)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    root = etree.fromstring(body)
    assert root.tag == ATOM + "feed"

    def one(el, name):
        found = el.findall(ATOM + name)
        assert len(found) == 1, f"{name}: {len(found)}"
        return found[0]

    for name in ("id", "title", "updated"):
        assert one(root, name).text
    has_feed_author = root.find(ATOM + "author") is not None
    pattern = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
    assert pattern.match(one(root, "updated").text)
    for entry in root.findall(ATOM + "entry"):
        for name in ("id", "title", "updated"):
            assert one(entry, name).text
        assert re.match(r"^https?://", one(entry, "id").text)
        assert pattern.match(one(entry, "updated").text)
        assert has_feed_author or entry.find(ATOM + "author/" + ATOM + "name") is not None
        assert any(link.get("rel") == "alternate" for link in entry.findall(ATOM + "link"))
    return root


def _titles(root) -> list[str]:
    return [e.findtext(ATOM + "title") for e in root.findall(ATOM + "entry")]


def test_atom_feeds_per_category_topic_kind_and_query(woo_ctx, tmp_path):
    app = create_app(ctx=woo_ctx)
    client = app.test_client()
    a, b, c, concept = _documents(woo_ctx, tmp_path, [
        ("Besluit op Woo-verzoek kademuur", ["Besluit over de kademuur in de haven."], WOO_VERZOEK),
        ("Onderzoek kademuur haven", ["Onderzoek naar de kademuur."], ONDERZOEK),
        ("Ingetrokken besluit kademuur", ["Ingetrokken."], WOO_VERZOEK),
        ("Concept besluit kademuur", ["Nog niet openbaar."], WOO_VERZOEK),
    ])
    publication.publish(woo_ctx, SYSTEM, [a, b, c])
    publication.withdraw(woo_ctx, SYSTEM, [c], PRIVACY)
    org = _org_ids(woo_ctx)[0]
    with woo_ctx.unit_of_work() as s:
        # a stored title from before the text door was guarded: control characters must not break a feed
        s.get(Document, a).title = "Besluit op Woo-verzoek\x0b kademuur\x01"
        # a public dossier with onderwerpen that holds document b, and one not (yet) public
        s.add(Publication(id="d" * 32, organisation_id=org, title="Woo-besluit kademuur", kind="woo-besluit",
                          status="openbaar", topics=["Haven", "Verkeer"], category=WOO_VERZOEK,
                          published_at=utcnow()))
        s.add(Publication(id="e" * 32, organisation_id=org, title="Geheim concept-dossier", kind="woo-besluit",
                          status="concept", topics=["Haven"], category=WOO_VERZOEK))
        s.flush()
        s.get(Document, b).publication_id = "d" * 32
    code = tooi.category_by_uri(WOO_VERZOEK).sitemapindex_code

    resp = client.get(f"/publicaties/feed/categorie/{code}.atom")
    assert resp.status_code == 200 and resp.mimetype == "application/atom+xml"
    root = _atom_ok(resp.data)
    assert set(_titles(root)) == {"Besluit op Woo-verzoek kademuur", "Woo-besluit kademuur"}
    assert root.findtext(ATOM + "id") == f"http://127.0.0.1/publicaties/feed/categorie/{code}.atom"

    titles = set(_titles(_atom_ok(client.get("/publicaties/feed/onderwerp/haven.atom").data)))
    assert titles == {"Onderzoek kademuur haven", "Woo-besluit kademuur"}
    titles = set(_titles(_atom_ok(client.get("/publicaties/feed/soort/woo-besluit.atom").data)))
    assert titles == {"Onderzoek kademuur haven", "Woo-besluit kademuur"}
    titles = set(_titles(_atom_ok(client.get("/publicaties/feed/zoeken.atom?q=kademuur").data)))
    assert titles == {"Besluit op Woo-verzoek kademuur", "Onderzoek kademuur haven"}
    titles = set(_titles(_atom_ok(client.get(f"/publicaties/feed/zoeken.atom?q=kademuur&categorie={code}").data)))
    assert titles == {"Besluit op Woo-verzoek kademuur"}
    empty = _atom_ok(client.get("/publicaties/feed/onderwerp/onbekend.atom").data)
    assert _titles(empty) == []
    for url in (f"/publicaties/feed/categorie/{code}.atom", "/publicaties/feed/zoeken.atom?q=kademuur",
                "/publicaties/feed/soort/woo-besluit.atom", "/publicaties/feed/onderwerp/haven.atom"):
        body = client.get(url).get_data(as_text=True)
        assert "Ingetrokken besluit" not in body and "Concept besluit" not in body and "Geheim" not in body
        assert c not in body and concept not in body
    assert client.get("/publicaties/feed/categorie/onzin.atom").status_code == 404
    assert client.get("/publicaties/feed/soort/onzin.atom").status_code == 404
    # the search page and the dossier page offer to follow
    page = client.get("/publicaties?q=kademuur").get_data(as_text=True)
    assert "Volg deze zoekvraag" in page and "/publicaties/feed/zoeken.atom?q=kademuur" in page
    follow = client.get("/volgen?volg=onderwerp&waarde=Haven").get_data(as_text=True)
    assert "onderwerp Haven" in follow and "/publicaties/feed/onderwerp/Haven.atom" in follow


def test_digest_runs_come_from_the_maintenance_round_once_per_period(woo_ctx, smtp, tmp_path):
    """Several workers' maintenance rounds at once plan the daily run once per day, from WOO_DIGEST_HOUR
    (Dutch time) on; the weekly run once per ISO week."""
    import threading
    from datetime import date, datetime, time
    from zoneinfo import ZoneInfo

    from woo.services import maintenance

    woo_ctx.settings = woo_ctx.settings.replace(digest_hour=7, digest_weekday=1)
    topic = svc.rules.parse_topic("categorie", WOO_VERZOEK)
    daily = _active(woo_ctx, "dagelijks@example.nl", topic)
    made = svc.request(woo_ctx, "http://127.0.0.1", _org_ids(woo_ctx), "wekelijks@example.nl", topic, "weekly",
                       client="10.2.2.2")
    with woo_ctx.unit_of_work() as s:
        svc.confirm(woo_ctx, svc.confirm_token(woo_ctx, s.get(Subscription, made.subscription_id)))
    drain(woo_ctx)
    (doc,) = _documents(woo_ctx, tmp_path, [("Besluit op Woo-verzoek over de planning", ["Planning."], WOO_VERZOEK)])
    publication.publish(woo_ctx, SYSTEM, [doc])
    start = len(smtp.inbox.messages)
    today = date.today()
    monday = today + timedelta(days=7 - today.weekday())  # next week's: after the publication above

    def dutch(day: int, hour: int, minute: int) -> datetime:
        return datetime.combine(monday + timedelta(days=day), time(hour, minute), ZoneInfo("Europe/Amsterdam"))

    # Monday, 06:59 in Amsterdam: not yet
    assert svc.scheduled_runs(woo_ctx, dutch(0, 6, 59)) == {}
    # 07:30 there: four workers' rounds at the same moment plan each run exactly once
    now = dutch(0, 7, 30)
    results, barrier = [], threading.Barrier(4)

    def round_():
        barrier.wait()
        results.append(svc.scheduled_runs(woo_ctx, now))
    threads = [threading.Thread(target=round_) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(k for r in results for k in r) == ["daily", "weekly"]
    assert {k: v for r in results for k, v in r.items()} == {"daily": 1, "weekly": 1}
    drain(woo_ctx)
    assert sorted(m.recipients[0] for m in smtp.inbox.messages[start:]) == ["dagelijks@example.nl",
                                                                           "wekelijks@example.nl"]
    # later rounds that day and that week plan nothing; the maintenance tick is the caller
    assert svc.scheduled_runs(woo_ctx, dutch(0, 21, 0)) == {}
    done = maintenance.tick(woo_ctx, now=dutch(1, 7, 1).timestamp())
    assert done["digests"] == {"daily": 1}  # Tuesday 07:01: the next day's run, not the week's again
    with woo_ctx.unit_of_work() as s:
        planned = s.execute(select(Event).where(Event.action == "subscription.digests_planned")).scalars().all()
        assert sorted((e.detail["frequency"], e.detail["subscriptions"]) for e in planned) == \
            [("daily", 1), ("daily", 1), ("weekly", 1)]  # the two rounds' runs, the threads' in any order
        assert s.get(Subscription, daily).sent_count == 1  # nothing new was published since the first run
    # without SMTP or with WOO_DIGEST_HOUR=off there are no automatic runs
    woo_ctx.settings = woo_ctx.settings.replace(digest_hour=None)
    assert svc.scheduled_runs(woo_ctx, dutch(2, 7, 30)) == {}
