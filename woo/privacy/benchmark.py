"""Labelled privacy test data from real document text, and recall/precision over it.

Valid values (elfproef BSNs, mod-97 IBANs, e-mails, phone numbers in every common spelling, names
in typical contexts) are injected into real corpus text at line boundaries; the scan must find
each one. Findings of a type that match nothing injected and were not already in the un-injected
text are false positives. Used by scripts/bench/privacy.py and the corpus test.
"""
from __future__ import annotations

import random
import string
from collections import Counter
from dataclasses import dataclass, field

from woo.privacy.scan import scan_text

STRICT_TYPES = ("bsn", "iban", "email", "phone")
WHOLE_TYPES = (*STRICT_TYPES, "address")  # a finding must cover the value whole


def make_bsn(rng: random.Random) -> str:
    while True:
        digits = [rng.randint(0, 9) for _ in range(8)]
        check = sum(d * w for d, w in zip(digits, range(9, 1, -1))) % 11
        if check < 10 and digits[0] != 0:
            return "".join(map(str, digits)) + str(check)


def _iban(country: str, bban: str) -> str:
    rearranged = bban + country + "00"
    number = int("".join(str(int(c, 36)) for c in rearranged))
    return f"{country}{98 - number % 97:02d}{bban}"


def make_iban(rng: random.Random) -> str:
    kind = rng.choice(["NL", "NL", "NL", "DE", "BE", "GB"])
    digits = lambda n: "".join(rng.choice(string.digits) for _ in range(n))  # noqa: E731
    if kind == "NL":
        bban = rng.choice(["ABNA", "RABO", "INGB", "SNSB", "TRIO", "ASNB", "KNAB", "BUNQ"]) + digits(10)
    elif kind == "DE":
        bban = digits(18)
    elif kind == "BE":
        bban = digits(12)
    else:
        bban = "".join(rng.choice(string.ascii_uppercase) for _ in range(4)) + digits(14)
    iban = _iban(kind, bban)
    if rng.random() < 0.5:
        iban = " ".join(iban[i:i + 4] for i in range(0, len(iban), 4))
    return iban


FIRST = ["Sanne", "Daan", "Fleur", "Bram", "Noor", "Jeroen", "Ilse", "Thijs", "Anouk", "Ruben", "Femke",
         "Wouter", "Lieke", "Maarten", "Esmee", "Gerrit", "Hanneke", "Koen", "Mirjam", "Sven"]
SURNAMES = ["de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Janssen", "Visser",
            "Smit", "Meijer", "de Boer", "Mulder", "de Groot", "Bos", "Vos", "Peters", "Hendriks",
            "van Leeuwen", "Dekker", "Brouwer", "de Wit", "Dijkstra", "Smits", "de Graaf", "van der Meer",
            "Kuipers", "Hoekstra", "Verhoeven", "Willemsen", "Oosterhuis", "Zwartjes", "Brinkhorst"]


def make_email(rng: random.Random) -> str:
    user = rng.choice(FIRST).lower() + rng.choice([".", "_", ""]) + rng.choice(SURNAMES).split()[-1].lower()
    return user + rng.choice(["", str(rng.randint(1, 99))]) + "@" + rng.choice(
        ["gmail.com", "hotmail.nl", "ziggo.nl", "kpnmail.nl", "gemeente-voorbeeld.nl", "xs4all.nl"])


def make_phone(rng: random.Random) -> str:
    d = lambda n: "".join(rng.choice(string.digits) for _ in range(n))  # noqa: E731
    if rng.random() < 0.5:
        sub = str(rng.randint(1, 9)) + d(7)  # mobile 06-xxxxxxxx
        return rng.choice([
            f"06-{sub}", f"06 {sub[:4]} {sub[4:]}", f"06{sub}", f"+31 6 {sub}", f"+31(0)6-{sub}",
            f"0031 6 {sub}", f"06 {sub[:2]} {sub[2:4]} {sub[4:6]} {sub[6:]}", f"+316{sub}"])
    if rng.random() < 0.6:
        area = rng.choice(["10", "20", "30", "33", "40", "50", "70", "71", "73", "76", "88"])
        sub = str(rng.randint(2, 9)) + d(6)
        return rng.choice([
            f"0{area}-{sub}", f"0{area} {sub[:3]} {sub[3:]}", f"(0{area}) {sub[:3]} {sub[3:5]} {sub[5:]}",
            f"0{area}{sub}", f"+31 {area} {sub[:3]} {sub[3:]}", f"0031 {area} {sub}", f"0{area} - {sub}"])
    area = rng.choice(["513", "522", "570", "318", "345", "413", "495", "547", "111"])
    sub = str(rng.randint(2, 9)) + d(5)
    return rng.choice([f"0{area}-{sub}", f"0{area} {sub[:2]} {sub[2:4]} {sub[4:]}", f"(0{area}) {sub}",
                       f"+31 {area} {sub}", f"0{area}{sub}"])


def make_name(rng: random.Random) -> tuple[str, str]:
    """(sentence template with {v}, the name that must be found)."""
    first, last = rng.choice(FIRST), rng.choice(SURNAMES)
    initials = "".join(f"{c}." for c in rng.sample("ABCDEFGHJKLMNPRSTW", rng.randint(1, 3)))
    cap_last = last[0].upper() + last[1:]
    return rng.choice([
        ("Geachte heer {v},", cap_last),
        ("Geachte mevrouw {v},", cap_last),
        ("Beste {v},", first),
        ("Het gesprek met de heer {v} vond plaats op het stadskantoor.", f"{initials} {last}"),
        ("Aanwezig: mw. {v} (aanvrager).", f"{first} {last}"),
        ("Met vriendelijke groet,\n\n{v}\n", f"{first} {last}"),
        ("Volgens {v} is de aanvraag onvolledig.", f"{first} {last}"),
        ("Dhr. {v} heeft bezwaar gemaakt.", f"{initials} {last}"),
    ])


STREETS = ["Kerkstraat", "Dorpsstraat", "Molenweg", "Julianalaan", "Oude Gracht", "Stationsplein", "Hoofdweg",
           "Van Ostadestraat", "Burgemeester de Withstraat", "Zuiderdijk", "Lindenhof", "Meidoornpad",
           "Prins Hendrikkade", "Korte Nieuwstraat", "Wilhelminasingel", "Schoolsteeg"]
PLACES = ["Amsterdam", "Zwolle", "Den Haag", "'s-Hertogenbosch", "Bergen op Zoom", "Alphen aan den Rijn",
          "Leeuwarden", "Ede", "Sint-Michielsgestel", "Oud-Beijerland", "Tilburg", "Nieuwegein"]


def make_address(rng: random.Random) -> tuple[str, str]:
    """(sentence template with {v} near a person cue, a person's address: street + number + postcode + place)."""
    number = str(rng.randint(1, 250)) + rng.choice(["", "", "", "a", "B", "-2", " bis", "-II"])
    postcode = f"{rng.randint(1000, 9999)}{rng.choice(['', ' '])}{rng.choice('ABCDEGHJKLMNPRTVWXZ')}" \
               f"{rng.choice('ABCDEGHJKLMNPRTVWXZ')}"
    street, place = rng.choice(STREETS), rng.choice(PLACES)
    one_line = f"{street} {number}, {postcode} {place}" if rng.random() < 0.6 else f"{street} {number} {postcode} {place}"
    return rng.choice([
        ("Aanvrager woont aan de {v}.", one_line),
        ("De heer, wonende {v}, heeft bezwaar gemaakt.", one_line),
        ("Verzoeker is woonachtig op het adres {v}.", one_line),
        ("Mevrouw heeft de woning aan de {v} gekocht.", one_line),
        ("Het besluit wordt verzonden aan de bewoner van {v}.", one_line),
        ("Uw adres: {v}", one_line),
        ("De eigenaar van het perceel {v} is gehoord.", one_line),
        ("Aan mevrouw\n{v}\n", f"{street} {number}\n{postcode} {place}"),
    ])


TEMPLATES = {
    "bsn": ["Het BSN van betrokkene is {v}.", "Burgerservicenummer: {v}", "({v})", "Aanvrager {v} woont hier.",
            "bsn {v}"],
    "iban": ["Het bedrag wordt overgemaakt op {v} ten name van aanvrager.", "IBAN: {v}", "rekening {v}."],
    "email": ["U kunt mailen naar {v}.", "E-mail: {v}", "<{v}>", "({v})"],
    "phone": ["Telefoonnummer: {v}", "U kunt bellen met {v}.", "bereikbaar op {v} (na 17.00 uur)", "{v}",
              "Tel. {v}"],
}
_BSN_FORMS = [lambda b: b, lambda b: f"{b[:4]}.{b[4:6]}.{b[6:]}", lambda b: f"{b[:3]} {b[3:6]} {b[6:]}",
              lambda b: f"{b[:4]} {b[4:6]} {b[6:]}"]


@dataclass
class Labelled:
    text: str
    spans: list[tuple[str, int, int]]  # (type, start, end) of injected values


def inject(text: str, rng: random.Random, per_type: int = 4, names: int = 4, addresses: int = 0) -> Labelled:
    """Put values in at random line breaks; spans refer to the returned text."""
    items: list[tuple[str, str, str]] = []  # (type, template, value)
    for kind, make in (("bsn", make_bsn), ("iban", make_iban), ("email", make_email), ("phone", make_phone)):
        for _ in range(per_type):
            value = make(rng)
            if kind == "bsn":
                value = rng.choice(_BSN_FORMS)(value)
            items.append((kind, rng.choice(TEMPLATES[kind]), value))
    for _ in range(names):
        template, value = make_name(rng)
        items.append(("person_name", template, value))
    for _ in range(addresses):
        template, value = make_address(rng)
        items.append(("address", template, value))
    breaks = [i for i, c in enumerate(text) if c == "\n"] or [len(text)]
    positions = sorted(rng.choice(breaks) for _ in items)
    rng.shuffle(items)
    out, spans, last = [], [], 0
    length = 0
    for pos, (kind, template, value) in zip(positions, items):
        out.append(text[last:pos])
        length += pos - last
        before, after = template.split("{v}")
        chunk = "\n" + before + value + after + "\n"
        start = length + 1 + len(before)
        spans.append((kind, start, start + len(value)))
        out.append(chunk)
        length += len(chunk)
        last = pos
    out.append(text[last:])
    return Labelled("".join(out), spans)


@dataclass
class Scores:
    tp: Counter = field(default_factory=Counter)
    fn: Counter = field(default_factory=Counter)
    fp: Counter = field(default_factory=Counter)
    baseline: Counter = field(default_factory=Counter)  # findings in the un-injected text
    misses: list[tuple[str, str]] = field(default_factory=list)
    false_alarms: list[tuple[str, str]] = field(default_factory=list)

    def recall(self, kind: str) -> float:
        total = self.tp[kind] + self.fn[kind]
        return self.tp[kind] / total if total else 1.0

    def precision(self, kind: str) -> float:
        total = self.tp[kind] + self.fp[kind]
        return self.tp[kind] / total if total else 1.0


def evaluate(texts: list[str], seed: int = 1, per_type: int = 4, names: int = 4, addresses: int = 0) -> Scores:
    """Recall and precision per type over ``texts`` with values injected; an address (``addresses`` per
    text) must be covered whole, street to place, like the strict types."""
    rng = random.Random(seed)
    scores = Scores()
    for text in texts:
        base = scan_text(text)
        base_texts = Counter((f.type, f.text) for f in base)
        for f in base:
            scores.baseline[f.type] += 1
        labelled = inject(text, rng, per_type, names, addresses)
        found = scan_text(labelled.text)
        used: set[int] = set()
        for kind, start, end in labelled.spans:
            # Values must be covered whole; a name counts when the finding overlaps it.
            hit = next((i for i, f in enumerate(found) if f.type == kind and (
                (f.start <= start and f.end >= end) if kind in WHOLE_TYPES else (f.start < end and start < f.end))),
                None)
            if hit is None:
                scores.fn[kind] += 1
                scores.misses.append((kind, labelled.text[start:end]))
            else:
                scores.tp[kind] += 1
                used.add(hit)
        for i, f in enumerate(found):
            if i in used:
                continue
            if base_texts[(f.type, f.text)] > 0:
                base_texts[(f.type, f.text)] -= 1
                continue
            if any(k == f.type and f.start < e and s < f.end for k, s, e in labelled.spans):
                continue  # a second finding on an injected value (e.g. name split in two)
            scores.fp[f.type] += 1
            scores.false_alarms.append((f.type, f.text))
    return scores


# ---- real writing: the cases of issue 15 (names beyond ASCII, tables, officials) ----
DIACRITIC_FIRST = ["Ayşe", "Zoë", "Łukasz", "Çiğdem", "Ömer", "Małgorzata", "Anaïs", "Joël", "Renée", "Şükrü",
                   "Gülşen", "Michał"]
DIACRITIC_LAST = ["Yılmaz", "Kowalski", "Wiśniewski", "Öztürk", "Şahin", "Brontë", "Nowak", "Çelik", "Müller",
                  "Dvořák"]
OFFICES = [("De Minister van Binnenlandse Zaken en Koninkrijksrelaties,\n{v}", "minister"),
           ("De Staatssecretaris van Financiën,\n\n{v}\n", "staatssecretaris"),
           ("Met vriendelijke groet,\n\n{v}\nburgemeester van Voorbeeldstad", "burgemeester"),
           ("De griffier,\n{v}", "griffier"), ("De secretaris,\n{v}", "secretaris"),
           ("Namens het college sprak wethouder {v} de vergadering toe.", "wethouder")]


def _initials(rng: random.Random) -> str:
    return "".join(f"{c}." for c in rng.sample("ABCDEFGHJKLMNPRSTW", rng.randint(1, 3)))


def real_writing_cases(rng: random.Random, n: int = 40) -> list[tuple[str, str, list[str]]]:
    """(kind, text, values that must be found) for each case kind; kinds as reported by the benchmark."""
    cases: list[tuple[str, str, list[str]]] = []
    for _ in range(n):
        first, last = rng.choice(DIACRITIC_FIRST), rng.choice(DIACRITIC_LAST)
        template = rng.choice(["Geachte mevrouw {v},", "Volgens {v} is de aanvraag onvolledig.",
                               "Aanwezig: {v} (aanvrager).", "Met vriendelijke groet,\n\n{v}\n",
                               "Het gesprek met {v} vond plaats op het stadskantoor."])
        cases.append(("name_diacritics", template.format(v=f"{first} {last}"), [f"{first} {last}"]))
        surname = rng.choice(["van der Berg", "van den Heuvel", "de Vries", "van 't Hof", "ter Horst", "in 't Veld"])
        name = f"{_initials(rng)} {surname}"
        template = rng.choice(["Op verzoek van {v} is het besluit genomen.", "Dhr. {v} heeft bezwaar gemaakt.",
                               "Aanwezig: {v}, M. Bakker en P. de Wit.", "Contactpersoon: {v}"])
        cases.append(("name_initials_interfix", template.format(v=name), [name]))
        dates = [f"{rng.randint(1, 28)}-{rng.randint(1, 12)}-{rng.randint(1940, 2005)}" for _ in range(3)]
        other = [f"{rng.randint(1, 28)}-{rng.randint(1, 12)}-2024" for _ in range(3)]
        header = rng.choice(["Geboortedatum", "Geb.datum", "Geboren", "geb. datum"])
        sep = rng.choice(["\t", " | ", ";"])
        rows = [sep.join(["Naam", header, "Datum aanvraag"])] + [
            sep.join([f"{rng.choice(DIACRITIC_FIRST)} {rng.choice(SURNAMES)}", d, o]) for d, o in zip(dates, other)]
        cases.append(("birthdate_table", "\n".join(rows) + "\n", dates))
        cases.append(("birthdate_row", f"{header} " + "  ".join(dates) + "\n", dates))
        day = f"{rng.randint(1, 28)} {rng.choice(['januari', 'maart', 'mei', 'juli', 'oktober'])} {rng.randint(1940, 2005)}"
        cases.append(("birthdate_text", f"Betrokkene, geboren op {day} te Utrecht, verzoekt om inzage.", [day]))
        template, office = rng.choice(OFFICES)
        official = f"{_initials(rng)} {rng.choice(SURNAMES)}"
        cases.append(("official_proposed", template.format(v=official), [official]))
    return cases


def evaluate_real_writing(cases: list[tuple[str, str, list[str]]]) -> dict[str, tuple[int, int, list[str]]]:
    """kind -> (found, total, missed examples). An official counts only when proposed (role set)."""
    out: dict[str, tuple[int, int, list[str]]] = {}
    for kind, text, values in cases:
        found = scan_text(text)
        hit, total, missed = out.get(kind, (0, 0, []))
        for value in values:
            total += 1
            if kind.startswith("name") or kind == "official_proposed":
                ok = any(f.type == "person_name" and value in f.text for f in found)
                if kind == "official_proposed":
                    ok = ok and all(f.role for f in found if f.type == "person_name" and value in f.text)
            else:
                ok = any(f.type == "birthdate" and f.text == value for f in found)
            hit += ok
            if not ok and len(missed) < 5:
                missed.append(text[:80])
        out[kind] = (hit, total, missed)
    return out
