"""The ZGW Documenten API connector against a local DRC that validates every request and response
against the published OpenAPI document (tests/drc_server.py) and checks the JWT on every call."""
from __future__ import annotations

import io
import time
from datetime import date, datetime, timezone

import jwt
import pytest
import requests

from tests.drc_server import DrcServer, Failure
from woo.intake.connectors import zgw_drc
from woo.intake.connectors.base import (
    AuthFailed,
    ConnectorError,
    CursorExpired,
    FileProblem,
    RateLimited,
    RemoteDeletion,
    RemoteDocument,
    RemoteFile,
)

SECRET = "drc-test-secret-with-enough-bytes-0123456789"
CLIENT_ID = "woo-gemeente-test"
TYPE_BESLUIT = "https://catalogi.example.nl/api/v1/informatieobjecttypen/00000000-0000-4000-8000-000000000001"
TYPE_BRIEF = "https://catalogi.example.nl/api/v1/informatieobjecttypen/00000000-0000-4000-8000-000000000002"
TYPE_INTERN = "https://catalogi.example.nl/api/v1/informatieobjecttypen/00000000-0000-4000-8000-000000000003"


@pytest.fixture
def drc():
    server = DrcServer(secret=SECRET, client_id=CLIENT_ID, page_size=3).start()
    yield server
    server.stop()


def connector(server: DrcServer, secret: str = SECRET, **config) -> zgw_drc.ZgwDrcConnector:
    config = {"base_url": server.base_url, "client_id": CLIENT_ID,
              "informatieobjecttypen": [TYPE_BESLUIT, TYPE_BRIEF], **config}
    return zgw_drc.from_config(config, secret)


def full_snapshot(conn) -> tuple[list, list, list]:
    """All pages of a snapshot: (records, problems, batches)."""
    records, problems, batches, cursor = [], [], [], None
    while True:
        batch = conn.snapshot(cursor)
        batches.append(batch)
        records += batch.records
        problems += batch.problems
        if not batch.has_more:
            return records, problems, batches
        cursor = batch.next_cursor


def remote_id(obj: dict) -> str:
    return obj["url"].rsplit("/", 1)[-1]


def test_only_openbaar_objects_of_the_configured_types_are_imported(drc):
    wanted = [drc.add(informatieobjecttype=TYPE_BESLUIT), drc.add(informatieobjecttype=TYPE_BRIEF),
              drc.add(informatieobjecttype=TYPE_BESLUIT, titel="Besluit kapvergunning")]
    for level in ("beperkt_openbaar", "intern", "zaakvertrouwelijk", "vertrouwelijk", "confidentieel",
                  "geheim", "zeer_geheim", ""):
        drc.add(informatieobjecttype=TYPE_BESLUIT, vertrouwelijkheidaanduiding=level, titel=f"Niet openbaar {level}")
    drc.add(informatieobjecttype=TYPE_INTERN, titel="Openbaar maar van een ander type")

    records, problems, batches = full_snapshot(connector(drc))

    assert problems == []
    assert {r.remote_id for r in records} == {remote_id(o) for o in wanted}
    assert all(isinstance(r, RemoteDocument) for r in records)  # a snapshot never reports deletions
    assert not any("openbaar" in r.title.lower() or "type" in r.title for r in records)
    assert len(batches) == 4  # 12 objects in pages of 3: every page was read, the filter is ours too
    assert drc.contract_errors == []


def test_bronorganisatie_is_filtered_on_the_server_and_checked_again(drc):
    ours = drc.add(bronorganisatie="002220647")
    drc.add(bronorganisatie="001005650")

    records, _, _ = full_snapshot(connector(drc, bronorganisatie="002220647"))

    assert [r.remote_id for r in records] == [remote_id(ours)]
    assert all("bronorganisatie=002220647" in query for path, query, _ in drc.log)
    assert drc.contract_errors == []


def test_paging_follows_next_and_hands_over_to_changes(drc):
    objects = [drc.add() for _ in range(7)]
    conn = connector(drc)

    first = conn.snapshot(None)
    assert (first.next_cursor, first.has_more, len(first.records)) == ("page:2", True, 3)
    second = conn.snapshot(first.next_cursor)
    assert (second.next_cursor, second.has_more, len(second.records)) == ("page:3", True, 3)
    last = conn.snapshot(second.next_cursor)
    assert (last.next_cursor, last.has_more, len(last.records)) == (None, False, 1)
    assert last.changes_cursor == "page:1"
    seen = [r.remote_id for b in (first, second, last) for r in b.records]
    assert seen == [remote_id(o) for o in objects]
    assert [query for _, query, _ in drc.log] == ["page=1", "page=2", "page=3"]
    assert drc.contract_errors == []


def test_changes_pass_relists_versions_and_withdraws_what_is_no_longer_openbaar(drc):
    kept, edited, closed = drc.add(), drc.add(), drc.add()
    drc.add()
    conn = connector(drc)
    _, _, batches = full_snapshot(conn)
    cursor = batches[-1].changes_cursor

    drc.update(edited, content=b"%PDF-1.7 tweede versie\n", titel="Besluit (gecorrigeerd)",
               beginRegistratie="2026-11-20T14:00:00Z")
    drc.update(closed, vertrouwelijkheidaanduiding="vertrouwelijk")

    records = []
    while True:
        batch = conn.changes(cursor)
        records += batch.records
        cursor = batch.next_cursor
        if not batch.has_more:
            break
    assert cursor == "page:1"  # the next pass starts at the top again

    documents = {r.remote_id: r for r in records if isinstance(r, RemoteDocument)}
    deletions = [r.remote_id for r in records if isinstance(r, RemoteDeletion)]
    assert deletions == [remote_id(closed)]
    assert remote_id(closed) not in documents
    changed = documents[remote_id(edited)]
    assert changed.title == "Besluit (gecorrigeerd)"
    assert changed.extra["versie"] == 2
    assert changed.modified == datetime(2026, 11, 20, 14, 0, tzinfo=timezone.utc)
    assert changed.file.size == len(b"%PDF-1.7 tweede versie\n")
    # the file URL names the version: a new version is a new URL, and its bytes are that version's
    assert changed.file.url == edited["inhoud"] + "?versie=2"
    new_bytes, old_bytes = io.BytesIO(), io.BytesIO()
    conn.download(changed.file, new_bytes, max_bytes=10_000)
    conn.download(RemoteFile(url=edited["inhoud"] + "?versie=1"), old_bytes, max_bytes=10_000)
    assert new_bytes.getvalue() == b"%PDF-1.7 tweede versie\n"
    assert old_bytes.getvalue() == b"%PDF-1.7 test\n"
    assert documents[remote_id(kept)].extra["versie"] == 1
    assert drc.contract_errors == []


def test_a_page_the_server_no_longer_has_or_a_foreign_cursor_means_a_full_resync(drc):
    for _ in range(4):
        drc.add()
    conn = connector(drc)
    with pytest.raises(CursorExpired, match="pagina 9"):
        conn.snapshot("page:9")
    with pytest.raises(CursorExpired, match="Onbekende cursor"):
        conn.changes("2026-11-01T00:00:00Z")


def test_a_wrong_base_url_says_so(drc):
    conn = zgw_drc.from_config({"base_url": drc.base_url + "/verkeerd", "client_id": CLIENT_ID,
                                "informatieobjecttypen": [TYPE_BESLUIT]}, SECRET)
    with pytest.raises(ConnectorError, match="Controleer de basis-URL"):
        conn.snapshot(None)
    assert drc.log[-1][2] == 404 and drc.contract_errors == []


def test_refused_credentials_raise_auth_failed_in_dutch(drc):
    drc.add()
    with pytest.raises(AuthFailed) as caught:
        connector(drc, secret="een-ander-secret-van-voldoende-lengte-000").snapshot(None)
    assert "weigert toegang (HTTP 403)" in str(caught.value)
    assert "client-id en secret" in str(caught.value)
    assert drc.log[-1][2] == 403 and drc.seen_tokens == []


def test_connector_sends_a_zgw_jwt_the_server_accepts(drc):
    drc.add()
    before = int(time.time())
    connector(drc).snapshot(None)
    (claims,) = drc.seen_tokens
    assert claims["iss"] == claims["client_id"] == CLIENT_ID
    assert before - 1 <= claims["iat"] <= int(time.time()) + 1
    assert claims["user_id"] and claims["user_representation"]


def _token(secret=SECRET, algorithm="HS256", **claims):
    payload = {"iss": CLIENT_ID, "iat": int(time.time()), "client_id": CLIENT_ID, "user_id": "u",
               "user_representation": "Test", **claims}
    payload = {k: v for k, v in payload.items() if v is not None}
    return jwt.encode(payload, secret, algorithm=algorithm)


@pytest.mark.parametrize("header", [
    None,
    "Bearer " + _token(secret="verkeerd-secret-verkeerd-secret-verkeerd-00"),
    "Bearer " + _token(iat=None),
    "Bearer " + _token(iat=int(time.time()) - 7200),
    "Bearer " + _token(client_id="iemand-anders"),
    "Bearer " + _token(user_representation=None),
    "Bearer " + _token(algorithm="none", secret=None),
    "Basic d29vOmdlaGVpbQ==",
], ids=["none", "wrong-secret", "no-iat", "old-iat", "other-client", "no-user-representation", "alg-none", "basic"])
def test_server_refuses_bad_jwts(drc, header):
    drc.add()
    url = f"{drc.base_url}/enkelvoudiginformatieobjecten"
    refused = requests.get(url, headers={"Authorization": header} if header else {}, timeout=10)
    assert refused.status_code == 403
    assert refused.headers["Content-Type"] == "application/problem+json"
    accepted = requests.get(url, headers={"Authorization": "Bearer " + _token()}, timeout=10)
    assert accepted.status_code == 200 and accepted.json()["count"] == 1
    assert drc.contract_errors == []


def test_429_is_retried_after_retry_after_then_goes_on(drc):
    objects = [drc.add() for _ in range(2)]
    drc.fail_next = [Failure(429, retry_after="1"), Failure(500, retry_after="1")]
    started = time.monotonic()
    batch = connector(drc).snapshot(None)
    assert time.monotonic() - started >= 2.0  # waited as told, twice
    assert [r.remote_id for r in batch.records] == [remote_id(o) for o in objects]
    assert [status for _, _, status in drc.log] == [429, 500, 200]
    assert drc.contract_errors == []


def test_429_that_persists_raises_rate_limited(drc):
    drc.add()
    drc.fail_next = [Failure(429, retry_after="0")] * 10
    with pytest.raises(RateLimited) as caught:
        connector(drc).snapshot(None)
    assert "te veel verzoeken (HTTP 429)" in str(caught.value)
    assert len(drc.log) == 4  # max_attempts, then it gives up and lets the service retry later


def test_a_long_retry_after_is_handed_to_the_service_instead_of_blocking(drc):
    drc.add()
    drc.fail_next = [Failure(429, retry_after="3600")]
    started = time.monotonic()
    with pytest.raises(RateLimited) as caught:
        connector(drc).snapshot(None)
    assert caught.value.retry_after == 3600
    assert time.monotonic() - started < 5 and len(drc.log) == 1


def test_download_writes_the_authorised_file(drc):
    content = b"%PDF-1.7\n" + b"x" * 200_000
    obj = drc.add(content=content)
    conn = connector(drc)
    (record,) = conn.snapshot(None).records
    dest = io.BytesIO()
    assert conn.download(record.file, dest, max_bytes=1_000_000) == "application/octet-stream"
    assert dest.getvalue() == content
    assert drc.log[-1] == (f"/api/v1/enkelvoudiginformatieobjecten/{remote_id(obj)}/download", "versie=1", 200)
    assert drc.contract_errors == []


def test_file_404_is_a_file_problem_and_the_rest_goes_on(drc):
    gone, fine = drc.add(), drc.add()
    drc.missing_files.add(remote_id(gone))
    conn = connector(drc)
    records = {r.remote_id: r for r in conn.snapshot(None).records}
    with pytest.raises(FileProblem, match="HTTP 404"):
        conn.download(records[remote_id(gone)].file, io.BytesIO(), max_bytes=10_000)
    dest = io.BytesIO()
    conn.download(records[remote_id(fine)].file, dest, max_bytes=10_000)
    assert dest.getvalue() == drc.files[remote_id(fine)]
    assert drc.contract_errors == []


def test_slow_file_times_out_as_a_file_problem(drc):
    slow = drc.add()
    drc.slow_files[remote_id(slow)] = 6.0
    conn = connector(drc, timeout=0.5)
    (record,) = conn.snapshot(None).records
    started = time.monotonic()
    with pytest.raises(FileProblem, match="Time-out|mislukte"):
        conn.download(record.file, io.BytesIO(), max_bytes=10_000)
    assert time.monotonic() - started < 5.0  # it gave up on the read timeout, not after the server's 6 s


def test_file_over_the_size_limit_is_refused(drc):
    obj = drc.add(content=b"y" * 50_000)
    conn = connector(drc)
    (record,) = conn.snapshot(None).records
    with pytest.raises(FileProblem, match="grens van 10000 bytes"):
        conn.download(record.file, io.BytesIO(), max_bytes=10_000)
    # a remote that understates bestandsomvang is stopped while streaming
    lying = RemoteFile(url=record.file.url, size=10)
    dest = io.BytesIO()
    with pytest.raises(FileProblem, match="grens van 10000 bytes"):
        conn.download(lying, dest, max_bytes=10_000)
    assert len(dest.getvalue()) <= 10_000
    assert remote_id(obj) in record.file.url


def test_inhoud_on_another_host_gets_no_credentials(drc):
    drc.add()
    conn = connector(drc)
    requests_before = len(drc.log)
    with pytest.raises(FileProblem, match="niet op de Documenten API zelf"):
        conn.download(RemoteFile(url="http://127.0.0.2:9/download"), io.BytesIO(), max_bytes=10_000)
    assert len(drc.log) == requests_before


def test_metadata_is_mapped(drc):
    obj = drc.add(identificatie="ZAAK-2026-0042-DOC-1", bronorganisatie="002220647", titel="Besluit op Woo-verzoek",
                  creatiedatum="2026-10-15", auteur="Team Juridische Zaken", taal="dut",
                  formaat="application/pdf", bestandsnaam="besluit-woo-verzoek.pdf",
                  beginRegistratie="2026-10-16T08:15:00+02:00", ontvangstdatum="2026-10-01",
                  integriteit={"algoritme": "sha_256", "waarde": "ab" * 32, "datum": "2026-10-16"},
                  content=b"%PDF-1.7 besluit\n")
    english = drc.add(taal="eng", auteur="")

    records = {r.remote_id: r for r in connector(drc).snapshot(None).records}
    doc = records[remote_id(obj)]
    assert doc.title == "Besluit op Woo-verzoek"
    assert doc.document_date == date(2026, 10, 15)
    assert doc.received == date(2026, 10, 1)
    assert doc.creator == "Team Juridische Zaken"
    assert doc.language == "nl"
    assert doc.organisation_code == "002220647"
    assert doc.identifiers == ("002220647:ZAAK-2026-0042-DOC-1", obj["url"])
    assert doc.modified == datetime(2026, 10, 16, 6, 15, tzinfo=timezone.utc)
    assert doc.file == RemoteFile(url=obj["inhoud"] + "?versie=1", filename="besluit-woo-verzoek.pdf",
                                  content_type="application/pdf", size=len(b"%PDF-1.7 besluit\n"))
    assert doc.extra["versie"] == 1 and doc.extra["informatieobjecttype"] == TYPE_BESLUIT
    assert doc.extra["integriteit"]["algoritme"] == "sha_256"
    assert records[remote_id(english)].language == "en"
    assert records[remote_id(english)].creator is None
    assert drc.contract_errors == []


def test_schema_invalid_object_is_an_item_problem_and_the_rest_goes_on(drc):
    good = drc.add()
    broken = dict(drc.add(), url=drc.object_url("6f1c3a2e-1111-4111-8111-111111111111"))
    drc.objects.pop()
    broken.update(creatiedatum="15-10-2026", versie="twee")
    drc.add_raw(broken)
    later = drc.add()

    batch = connector(drc).snapshot(None)

    assert [r.remote_id for r in batch.records] == [remote_id(good), remote_id(later)]
    (problem,) = batch.problems
    assert problem.where == broken["url"]
    assert "Ongeldig informatieobject" in problem.message and "creatiedatum" in problem.message
    # the server noticed too: it served an object outside its own contract, on purpose here
    assert len(drc.contract_errors) == 1 and "response" in drc.contract_errors[0]


def test_fixtures_are_checked_against_the_published_schema(drc):
    with pytest.raises(ValueError, match="EnkelvoudigInformatieObject"):
        drc.add(vertrouwelijkheidaanduiding="topgeheim")
    with pytest.raises(ValueError, match="EnkelvoudigInformatieObject"):
        drc.add(taal="nederlands")
