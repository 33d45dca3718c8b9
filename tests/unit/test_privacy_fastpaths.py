"""The detectors' shortcuts (pre-checks and leading lookaheads) must not lose findings at their edges."""
from woo.privacy.contact import find_email, find_phone
from woo.privacy.dates import find_birthdate
from woo.privacy.identifiers import find_iban, find_licence_plate


def _found(detect, text):
    return [text[s:e] for s, e in detect(text)]


def test_shortest_valid_numbers_pass_the_digit_precheck():
    # Five digits: a municipality's 14-number; seven with a country code: Niue (+683).
    assert _found(find_phone, "Bel 14 020 voor info") == ["14 020"]
    assert _found(find_phone, "tel +683 4002.") == ["+683 4002"]
    assert _found(find_phone, "Bel 0800-1234 of 06-12345678") == ["0800-1234", "06-12345678"]
    assert _found(find_phone, "zie 0-3, 0.25 en 14-3") == []


def test_case_and_edges_of_the_lookaheads():
    assert _found(find_iban, "rekening nl91abna0417164300.") == ["nl91abna0417164300"]
    assert _found(find_iban, "IBAN:NL91 ABNA 0417 1643 00") == ["NL91 ABNA 0417 1643 00"]
    assert _found(find_birthdate, "GEBOREN OP 1-2-1980; Date of Birth: 1980-02-01") == ["1-2-1980", "1980-02-01"]
    assert _found(find_licence_plate, "kenteken 12-BDF-3 en XX12XX") == ["12-BDF-3"]
    assert _found(find_email, "mail j.jansen@gemeente.nl of geen") == ["j.jansen@gemeente.nl"]
    assert _found(find_email, "geen adres hier") == []


def test_a_number_repeated_on_every_page_is_matched_once(monkeypatch):
    """The numbering-plan matcher (most of the scan's time) runs once per distinct stretch of text; every page
    still gets its finding, and a reference number after "kenmerk" stays out wherever it stands."""
    import phonenumbers

    from woo.privacy import contact
    from woo.privacy.scan import scan_pages

    contact._dialled_numbers.cache_clear()
    calls: list[str] = []
    real = phonenumbers.PhoneNumberMatcher

    def counting(text, *args, **kwargs):
        calls.append(text)
        return real(text, *args, **kwargs)

    monkeypatch.setattr(phonenumbers, "PhoneNumberMatcher", counting)
    footer = "Gemeente Utrecht | Stadsplateau 1 | Telefoon 030 286 0000"
    pages = [f"Bladzijde {i} van de brief.\n{footer}" for i in range(1, 6)] + ["Kenmerk: 030 286 0000"]
    found = [(f.page, f.text) for f in scan_pages(pages) if f.type == "phone"]
    assert found == [(i, "030 286 0000") for i in range(1, 6)]
    assert len(calls) == len(set(calls)) == 1  # "030 286 0000" in every window: one match


def test_folding_an_ascii_word_skips_the_unicode_decomposition(monkeypatch):
    """The name scan folds every capitalised word; a plain ASCII word is its own folding, without NFKD."""
    import unicodedata

    from woo.privacy.names import find_person_name, fold

    text = "Geachte heer Pieter van den Berg,\nOp 3 maart sprak Gulsen Yilmaz met Jan Jansen."
    list(find_person_name(text))  # the name lists and their OCR variants are built once, first
    real = unicodedata.normalize
    calls: list[str] = []
    monkeypatch.setattr(unicodedata, "normalize", lambda form, s: calls.append(s) or real(form, s))
    assert fold("Jansen") == "Jansen" and calls == []
    assert fold("Gülşen") == "Gulsen" and fold("Łukasz") == "Lukasz" and fold("Straße") == "Strasse"
    calls.clear()
    found = [text[s:e] for s, e in find_person_name(text)]
    assert "Pieter van den Berg" in found and "Jan Jansen" in found
    assert len(calls) == 0
