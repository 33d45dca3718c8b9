"""The compliance figures' pure rules: lags, medians from histograms, decision terms, counting a history."""
from __future__ import annotations

from datetime import date, datetime, timezone

from woo.domain import dashboard as rules


def at(y, m, d):
    return datetime(y, m, d, 12, tzinfo=timezone.utc)


def test_lag_days_whole_days_never_negative_and_unknown_without_a_date():
    assert rules.lag_days(date(2026, 1, 1), at(2026, 1, 11)) == 10
    assert rules.lag_days(at(2026, 1, 12), at(2026, 1, 11)) == 0  # dated after publication
    assert rules.lag_days(None, at(2026, 1, 11)) is None


def test_median_of_histogram_matches_the_median_of_the_values():
    assert rules.median_of_histogram({}) is None
    assert rules.median_of_histogram({5: 1}) == 5
    assert rules.median_of_histogram({1: 1, 3: 1}) == 2  # even count: mean of the middle two
    values = [3, 10, 20, 20, 90, 7, 7, 7]
    hist = {}
    for v in values:
        hist[v] = hist.get(v, 0) + 1
    ordered = sorted(values)
    assert rules.median_of_histogram(hist) == (ordered[3] + ordered[4]) / 2 == 8.5
    assert rules.median_of_histogram({2: 0, 4: 3, 9: -1}) == 4  # empty and negative buckets do not count


def test_terms_of_woo_besluiten_on_time_late_open():
    today = date(2026, 12, 2)
    facts = [rules.BesluitFacts(date(2026, 1, 5), date(2026, 1, 20)),                 # 15 days, on time
             rules.BesluitFacts(date(2026, 2, 1), date(2026, 3, 20)),                 # 47 days, late (4 weeks)
             rules.BesluitFacts(date(2026, 3, 1), date(2026, 4, 10), extended=True),  # 40 days, within 6 weeks
             rules.BesluitFacts(date(2026, 6, 1), None),                              # open, term passed
             rules.BesluitFacts(date(2026, 11, 30), None),                            # open, within term
             rules.BesluitFacts(None, None)]
    fig = rules.besluit_figures(facts, today)
    assert fig.counts == {rules.ON_TIME: 2, rules.LATE: 1, rules.OPEN: 1, rules.OPEN_LATE: 1, rules.UNKNOWN: 1}
    assert fig.decided == 3 and fig.median_days == 40
    # suspension days move the deadline: 47 days with 20 days suspended is on time
    assert rules.term_state(rules.BesluitFacts(date(2026, 2, 1), date(2026, 3, 20), suspension_days=20),
                            today) == rules.ON_TIME


def test_count_history_equals_the_sum_of_live_changes():
    pub1, pub2, wd = at(2026, 1, 11), at(2025, 6, 1), at(2026, 4, 1)
    rows = rules.count_history(
        [(1, "published", "c1", date(2026, 1, 1), pub1, None, None),
         (1, "withdrawn", "c1", None, pub2, wd, "r1"),
         (1, "concept", "c1", None, None, None, None)],
        [(1, "c1", pub1, "5.1.2e", 2)])
    live: dict[tuple, int] = {}
    for d in (rules.on_published(1, "c1", date(2026, 1, 1), pub1, {"5.1.2e": 2})
              + rules.on_published(1, "c1", None, pub2) + rules.on_withdrawn(1, "c1", pub2, wd, "r1")):
        k = (d.organisation_id, d.metric, d.year, d.category, d.key)
        live[k] = live.get(k, 0) + d.n
    assert {(r["organisation_id"], r["metric"], r["year"], r["category"], r["key"]): r["n"] for r in rows} == \
        {k: n for k, n in live.items() if n}
    assert (1, rules.PUBLIC, 2025, "c1", "") not in {(r["organisation_id"], r["metric"], r["year"], r["category"],
                                                      r["key"]) for r in rows}


def test_merge_moves_each_counter_once_by_the_sum():
    from datetime import datetime, timezone

    from woo.domain import dashboard as d

    t1, t2 = datetime(2025, 3, 1, tzinfo=timezone.utc), datetime(2025, 3, 2, tzinfo=timezone.utc)
    deltas = (d.on_published(1, "c", None, t2, {"5.1.2e": 2}) + d.on_published(1, "c", None, t1, {"5.1.2e": 1})
              + d.on_published(1, "other", None, t1))
    merged = {(x.metric, x.year, x.category, x.key): (x.n, x.at) for x in d.merge(deltas)}
    assert merged[(d.PUBLISHED, 2025, "c", "")] == (2, t2) and merged[(d.PUBLISHED, d.ALL_YEARS, "c", "")] == (2, t2)
    assert merged[(d.REDACTED, 2025, "c", "5.1.2e")] == (3, t2)
    assert merged[(d.PUBLIC, 2025, "other", "")] == (1, t1)
    assert sum(x.n for x in d.merge(deltas)) == sum(x.n for x in deltas)
    assert d.merge([d.Delta(1, d.LAG, 2025, "c", "3", 1), d.Delta(1, d.LAG, 2025, "c", "3", 1)]) == [
        d.Delta(1, d.LAG, 2025, "c", "3", 2, None)]
