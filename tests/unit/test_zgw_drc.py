"""The zgw-drc connector's configuration and the parts that need no server."""
from __future__ import annotations

import pytest

from tests.drc_server import component_validator, load_spec
from woo.intake.connectors import zgw_drc
from woo.intake.connectors.base import CursorExpired

TYPE = "https://catalogi.example.nl/api/v1/informatieobjecttypen/00000000-0000-4000-8000-000000000001"
GOOD = {"base_url": "https://openzaak.example.nl/documenten/api/v1", "client_id": "woo",
        "informatieobjecttypen": [TYPE]}


def test_kind_and_protocol():
    conn = zgw_drc.from_config(GOOD, "secret")
    assert zgw_drc.KIND == conn.kind == "zgw-drc"
    assert conn.freshness() == {}
    assert conn.types == frozenset({TYPE})


@pytest.mark.parametrize("change, secret, message", [
    ({"base_url": ""}, "s", "basis-URL"),
    ({"base_url": "openzaak.example.nl"}, "s", "basis-URL"),
    ({"client_id": " "}, "s", "client-id"),
    ({}, None, "client-secret"),
    ({"informatieobjecttypen": []}, "s", "informatieobjecttype"),
    ({"informatieobjecttypen": ["besluit"]}, "s", "informatieobjecttype"),
    ({"bronorganisatie": "12345"}, "s", "RSIN"),
])
def test_bad_configuration_is_refused_in_dutch(change, secret, message):
    with pytest.raises(ValueError, match=message):
        zgw_drc.from_config({**GOOD, **change}, secret)


def test_types_may_come_as_one_string_from_a_form():
    other = TYPE[:-1] + "2"
    conn = zgw_drc.from_config({**GOOD, "informatieobjecttypen": f"{TYPE}, {other}"}, "s")
    assert conn.types == {TYPE, other}


@pytest.mark.parametrize("taal, code", [("dut", "nl"), ("DUT", "nl"), ("eng", "en"), ("fry", "fy"),
                                        ("ger", "de"), ("fre", "fr"), ("xxx", None), ("", None), (None, None)])
def test_language_codes(taal, code):
    assert zgw_drc.language_code(taal) == code


@pytest.mark.parametrize("cursor", ["3", "page:0", "page:x", "next:https://elders.example/?page=2", ""])
def test_foreign_cursors_ask_for_a_resync(cursor):
    conn = zgw_drc.from_config(GOOD, "s")
    with pytest.raises(CursorExpired):
        conn.snapshot(cursor)


def test_the_token_carries_the_zgw_claims():
    import jwt

    token = zgw_drc.from_config(GOOD, "s" * 32).token()
    claims = jwt.decode(token, "s" * 32, algorithms=["HS256"])
    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    assert set(claims) == {"iss", "iat", "client_id", "user_id", "user_representation"}
    assert claims["iss"] == claims["client_id"] == "woo"


def test_the_published_schema_knows_the_fields_the_connector_reads():
    schema = load_spec()["components"]["schemas"]["EnkelvoudigInformatieObject"]
    read = {"url", "identificatie", "bronorganisatie", "creatiedatum", "titel", "vertrouwelijkheidaanduiding",
            "auteur", "formaat", "taal", "versie", "beginRegistratie", "bestandsnaam", "inhoud", "bestandsomvang",
            "informatieobjecttype", "integriteit", "ontvangstdatum", "status", "beschrijving"}
    assert read <= set(schema["properties"])
    enum = load_spec()["components"]["schemas"]["VertrouwelijkheidaanduidingEnum"]["enum"]
    assert zgw_drc.OPENBAAR in enum
    assert not component_validator(load_spec(), "VertrouwelijkheidaanduidingEnum").is_valid("openbaar ")


def _response(retry_after: str | None):
    import requests

    response = requests.Response()
    response.status_code = 429
    if retry_after is not None:
        response.headers["Retry-After"] = retry_after
    return response


def test_retry_after_in_seconds_or_as_an_http_date():
    import email.utils
    import time

    assert zgw_drc._retry_after(_response("7")) == 7.0
    assert zgw_drc._retry_after(_response(None)) is None
    assert zgw_drc._retry_after(_response("soon")) is None
    later = email.utils.formatdate(time.time() + 120, usegmt=True)
    assert 100 <= zgw_drc._retry_after(_response(later)) <= 121
    past = email.utils.formatdate(time.time() - 120, usegmt=True)
    assert zgw_drc._retry_after(_response(past)) == 0.0
