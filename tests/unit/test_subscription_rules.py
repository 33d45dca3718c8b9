"""Pure subscription rules (woo.domain.subscriptions): what can be followed, what matches, when to stop."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from woo.domain import subscriptions as rules
from woo.domain import tooi

NOW = datetime(2026, 12, 2, 7, 0, tzinfo=timezone.utc)


def test_addresses_are_checked_and_normalised():
    assert rules.normalise_address("  Jan.Jansen@Gemeente.NL ") == "Jan.Jansen@gemeente.nl"
    for bad in ("", "jan", "jan@", "@gemeente.nl", "jan@gemeente", "jan jansen@gemeente.nl", "a@b@c.nl",
                "x" * 65 + "@gemeente.nl", "<jan@gemeente.nl>"):
        with pytest.raises(rules.SubscriptionError, match="geldig e-mailadres"):
            rules.normalise_address(bad)


def test_topics_are_parsed_with_dutch_errors():
    cat = tooi.category_by_code("infocat014")
    assert rules.parse_topic("categorie", "infocat014") == rules.Topic(rules.Follow.CATEGORIE, cat.uri)
    assert rules.parse_topic("categorie", cat.uri).label == f"informatiecategorie {cat.label}"
    assert rules.parse_topic("onderwerp", "  Haven   en kade ").value == "Haven en kade"
    assert rules.parse_topic("soort", "Woo-besluit").value == "woo-besluit"
    q = rules.parse_topic("zoekvraag", "  vergunning   haven ", "infocat014")
    assert q.value == "vergunning haven" and q.category == cat.uri and "in " in q.label
    assert rules.parse_topic("zoekvraag", "", "infocat014").value == ""  # a category filter alone is a query
    for args, message in ((("iets", "x"), "Kies wat u wilt volgen"), (("categorie", "onzin"), "Onbekende"),
                          (("soort", "onzin"), "Onbekende soort"), (("onderwerp", " "), "Vul het onderwerp"),
                          (("zoekvraag", ""), "Vul een zoekterm")):
        with pytest.raises(rules.SubscriptionError, match=message):
            rules.parse_topic(*args)
    assert rules.parse_frequency("Dagelijks") == rules.Frequency.DAILY
    with pytest.raises(rules.SubscriptionError, match="dagelijks of wekelijks"):
        rules.parse_frequency("maandelijks")


def test_matching_categories_topics_and_kinds():
    cat = tooi.category_by_code("infocat014").uri
    doc = rules.Item("document", "1", "Besluit", 1, NOW, category=cat, dossier_kind="woo-besluit",
                     topics=["Haven ", "Verkeer"])
    assert rules.matches(rules.Topic(rules.Follow.CATEGORIE, cat), doc)
    assert not rules.matches(rules.Topic(rules.Follow.CATEGORIE, tooi.category_by_code("infocat015").uri), doc)
    assert rules.matches(rules.Topic(rules.Follow.ONDERWERP, "haven"), doc)
    assert not rules.matches(rules.Topic(rules.Follow.ONDERWERP, "Wonen"), doc)
    assert rules.matches(rules.Topic(rules.Follow.SOORT, "woo-besluit"), doc)
    assert not rules.matches(rules.Topic(rules.Follow.SOORT, "vergadering"), doc)
    assert not rules.matches(rules.Topic(rules.Follow.ZOEKVRAAG, "haven"), doc)  # the search index decides


def test_digest_window_rhythm_and_bounces():
    assert rules.window(NOW - timedelta(days=1), NOW - timedelta(days=3), NOW) == (NOW - timedelta(days=1), NOW)
    assert rules.window(None, NOW - timedelta(days=3), NOW)[0] == NOW - timedelta(days=3)
    assert rules.is_due("daily", None, NOW)
    assert not rules.is_due("daily", NOW - timedelta(hours=19), NOW)
    assert rules.is_due("daily", NOW - timedelta(hours=20), NOW)
    assert not rules.is_due("weekly", NOW - timedelta(days=6), NOW)
    assert rules.is_due("weekly", NOW - timedelta(days=7), NOW)
    assert rules.after_refusal(0, permanent=False) == (0, False)
    assert rules.after_refusal(0, permanent=True) == (1, False)
    assert rules.after_refusal(rules.MAX_BOUNCES - 1, permanent=True) == (rules.MAX_BOUNCES, True)


def test_a_digest_is_valid_mime_with_one_click_unsubscribe():
    """The hand-written MIME (woo.services.subscriptions._digest_message) parses as a standard message."""
    import email
    import email.policy
    from types import SimpleNamespace

    from woo.services import subscriptions as svc

    ctx = SimpleNamespace(settings=SimpleNamespace(smtp_from="woo@gemeente.example"))
    item = rules.Item("document", "abc", "Besluit \u00e9\u00e9n keer = twee <b>", 1, NOW)
    section = svc._digest_section(rules.Topic(rules.Follow.ONDERWERP, "Haven"), "https://woo.example", [item],
                                  {1: "Gemeente Voorbeeld"})
    url = "https://woo.example/volgen/afmelden/" + "x" * 150
    raw = svc._digest_message(ctx, section, "jan@example.nl", url, "weekly")
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert msg["Subject"] == "1 nieuwe publicatie: onderwerp Haven" and msg["To"] == "jan@example.nl"
    assert msg["List-Unsubscribe"] == f"<{url}>" and msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert msg.get_content_type() == "multipart/alternative" and not msg.defects
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert "Besluit \u00e9\u00e9n keer = twee <b>" in text and url in text and "wekelijks" in text
    assert "Besluit \u00e9\u00e9n keer = twee &lt;b&gt;" in html and f'href="{url}"' in html
    assert "https://woo.example/publicaties/abc" in text and "Gemeente Voorbeeld" in html


def test_due_periods_daily_from_the_hour_weekly_from_its_day_or_later_that_week():
    from datetime import datetime

    from woo.domain.subscriptions import due_periods

    monday_early, monday = datetime(2026, 11, 30, 6, 59), datetime(2026, 11, 30, 7, 0)
    assert due_periods(monday_early, 7, 1) == []
    assert due_periods(monday, 7, 1) == [("daily", "2026-11-30"), ("weekly", "2026-W49")]
    # the workers were down on Monday: Wednesday early still catches the week up, with the same period
    assert due_periods(datetime(2026, 12, 2, 3, 0), 7, 1) == [("weekly", "2026-W49")]
    assert due_periods(datetime(2026, 12, 2, 8, 0), 7, 3) == [("daily", "2026-12-02"), ("weekly", "2026-W49")]
    assert due_periods(datetime(2026, 12, 1, 8, 0), 7, 3) == [("daily", "2026-12-01")]  # before Wednesday
    assert due_periods(datetime(2027, 1, 1, 9, 0), 7, 1)[1] == ("weekly", "2026-W53")  # ISO week of the year
