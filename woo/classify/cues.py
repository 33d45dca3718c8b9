"""Cues from the legal definitions of the Woo categories (Woo art. 3.3, TOOI descriptions).

A cue is a phrase or document form that the law or ordinary Dutch government practice ties to a
category: "Besluitenlijst" heading a college meeting, "Geachte aanvrager" with a bezwaarclausule
for a beschikking, "Woo-verzoek" for a Woo-besluit. They serve twice: as features the linear model
weighs, and as a fixed prior (``weight``) that also reaches the categories the training corpus has
no example of (subsidieverplichtingen anders dan met beschikking, art. 3.1).

Where: "title" = title, document properties, filename and the first lines (``TITLE_CHARS``): what
the document says it is; "head" = the same plus the first page (``text.HEAD_CHARS``); "body" = the
bounded text. A document-type cue (``TYPE_CUES``) counts in full in the title zone and for half
anywhere on the first page, where the word may just be mentioned. Pure: no I/O.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .text import HEAD_CHARS, TAIL_CHARS

BODY_CUE_CHARS = 6_000
TITLE_CHARS = 300


@dataclass(frozen=True)
class Cue:
    id: str
    category: str  # slug of the TOOI label
    pattern: str
    where: str  # "title", "head" or "body"
    weight: float  # prior strength, in logits
    reason: str  # Dutch, shown to the records officer
    min_count: int = 1  # body cues: how often the pattern must occur
    cased: bool = False  # match the original spelling (postcodes: "2514 JS"), not the lower-cased text
    tabular_only: bool = False  # only in a table exported as text (CSV, spreadsheet)
    prose_only: bool = False  # a phrasing cue: only counts in running text, not in a list or data export
    derived: bool = False  # fires from other cues (see ``fire``), not from its own pattern

    @property
    def regex(self) -> re.Pattern:
        return _compile(self.pattern, self.cased)


@lru_cache(maxsize=None)
def _compile(pattern: str, cased: bool = False) -> re.Pattern:
    # Patterns are lower case and run on lower-cased text (much faster than IGNORECASE).
    # DOTALL: "near" cues (.{0,80}) may span a line break of the extracted text.
    return re.compile(pattern, re.UNICODE | re.MULTILINE | re.DOTALL)


_MIN_LITERAL = 3  # shorter required words occur in nearly every text: not worth a look first


@lru_cache(maxsize=None)
def required_words(pattern: str) -> tuple[str, ...] | None:
    """Words of which every match of ``pattern`` contains at least one, or None when there are none to tell.

    Python's ``re`` scans a pattern that starts with ``\\b`` or an alternation position by position; most
    cue patterns are such alternations of words, and most texts contain none of them. ``word in text`` is
    a fast substring search, so a cue whose words are all absent is skipped without running its regex. A
    necessary condition only: when a word occurs, the regex decides as before (same results).
    """
    from re import _constants as sre, _parser

    def seq(items) -> frozenset[str] | None:
        best, run = None, ""

        def consider(cand):
            nonlocal best
            if cand and (best is None or min(map(len, cand)) > min(map(len, best))):
                best = cand

        for op, av in items:
            if op is sre.LITERAL:
                run += chr(av)
                continue
            if op is sre.AT:  # zero-width: the literal run goes on across it
                continue
            consider(frozenset({run}) if run else None)
            run = ""
            if op is sre.SUBPATTERN:
                if not av[1] & re.IGNORECASE:  # "(?i:...)": the words would not be lower case
                    consider(seq(av[-1]))
            elif op is sre.BRANCH:
                alts = [seq(branch) for branch in av[1]]
                consider(frozenset().union(*alts) if all(alts) else None)
            elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT) and av[0] >= 1:
                consider(seq(av[2]))
        consider(frozenset({run}) if run else None)
        return best

    try:
        words = seq(_parser.parse(pattern, re.UNICODE | re.MULTILINE | re.DOTALL))
    except Exception:  # noqa: BLE001 - an unusual construct: no look first, the regex alone decides
        return None
    if not words or min(map(len, words)) < _MIN_LITERAL:
        return None
    return tuple(sorted(words))


def _c(cid, cat, where, weight, pattern, reason, min_count=1, **kw):
    return Cue(cid, cat, pattern, where, weight, reason, min_count, **kw)


W = "wetten_en_algemeen_verbindende_voorschriften"
OB = "overige_besluiten_van_algemene_strekking"
ON = "ontwerpen_van_wet_en_regelgeving_met_adviesaanvraag"
OW = "organisatie_en_werkwijze"
BG = "bereikbaarheidsgegevens"
IS = "bij_vertegenwoordigende_organen_ingekomen_stukken"
SG = "vergaderstukken_staten_generaal"
DO = "vergaderstukken_decentrale_overheden"
AB = "agendas_en_besluitenlijsten_bestuurscolleges"
AD = "adviezen"
CO = "convenanten"
JV = "jaarplannen_en_jaarverslagen"
SU = "subsidieverplichtingen_anders_dan_met_beschikking"
WV = "woo_verzoeken_en_besluiten"
OR = "onderzoeksrapporten"
BE = "beschikkingen"
KL = "klachtoordelen"
A31 = "inspanningsverplichting_art_3_1_woo"

_MEETING = r"(besluitenlijst(en)?|agenda|notulen|verslag|actielijst|vergadering|besluiten van de vergadering)"
_PARLIAMENT = (r"(vaste commissie voor|procedurevergadering|kamercommissie|tweede kamer|eerste kamer|"
               r"commissie voor de verzoekschriften)")
_COUNCIL = (r"(gemeenteraad|raadsvergadering|raadscommissie|commissie\w*vergadering|raad van de gemeente|de raad|"
            r"provinciale staten|statenvergadering|statencommissie|algemeen bestuur|algemene bestuursvergadering|"
            r"commissie (ruimte|bestuur|middelen|samenleving|financi\w+|economie|welzijn|omgeving|"
            r"\w+zaken))")
_COLLEGE = (r"(college van burgemeester en wethouders|burgemeester en wethouders|b\s?&\s?w|college|"
            r"gedeputeerde staten|dagelijks bestuur|collegevergadering|ministerraad|bestuurlijk overleg|gedeputeerde)")

CUES: tuple[Cue, ...] = (
    # 3.3 lid 1 a: wetten en algemeen verbindende voorschriften
    _c("wet_koning", W, "head", 1.0, r"\bwij (willem-alexander|beatrix|juliana)\b.{0,40}bij de gratie gods",
       "Koninklijke aanhef \"Wij ..., bij de gratie Gods\" (wet of algemene maatregel van bestuur)"),
    _c("wet_staatsblad", W, "head", 1.5, r"\bstaatsblad\b", "Vermelding \"Staatsblad\" (bekendmaking van een wet of AMvB)"),
    _c("wet_verordening", W, "head", 2.0, r"\b\w*verordening\b", "Het document is een verordening"),
    _c("wet_regeling_minister", W, "head", 1.0, r"\bregeling van de minister\b|\bministeri[eë]le regeling\b",
       "Ministeriële regeling"),
    _c("wet_wet_van", W, "head", 1.5, r"\bwet van \d{1,2} \w+ \d{4}\b", "Aanhef \"Wet van [datum]\""),
    _c("wet_begrippen", W, "body", 0.5,
       r"\bin (deze|dit) (wet|regeling|verordening|besluit) (wordt )?(verstaan|wordt verstaan) onder\b",
       "Begripsbepalingen \"In deze regeling wordt verstaan onder\" (regelgeving)"),
    _c("wet_inwerkingtreding", W, "body", 0.5,
       r"\b(treedt|treden) in werking\b|\bkan worden aangehaald als\b|\bwordt aangehaald als\b|\bciteertitel\b",
       "Bepalingen over inwerkingtreding of citeertitel (regelgeving)"),
    _c("wet_artikelen", W, "body", 0.5, r"(?:^|\s)artikel\s+\d+[a-z]?\b", "Genummerde artikelen (Artikel 1, 2, 3 ...)",
       min_count=5),
    # 3.3 lid 1 b: overige besluiten van algemene strekking
    _c("ob_beleidsregel", OB, "head", 3.0, r"\bbeleidsregel(s)?\b", "Het document is een beleidsregel"),
    _c("ob_aanwijzing", OB, "head", 1.0, r"^\W*aanwijzing\b|\baanwijzing van het college van procureurs",
       "Aanwijzing (beleidsregel van het Openbaar Ministerie of bestuursorgaan)"),
    _c("ob_4_81", OB, "body", 1.5, r"\b(artikel )?4:81\b", "Verwijzing naar art. 4:81 Awb (bevoegdheid tot beleidsregels)"),
    _c("ob_kennisgeving", OB, "head", 1.0, r"\bkennisgeving\b", "Kennisgeving van een besluit van algemene strekking"),
    _c("ob_vaststelling", OB, "head", 0.8, r"\b(besluit tot )?vaststelling van\b|\bvaststellingsbesluit\b",
       "Besluit tot vaststelling"),
    _c("ob_programma", OB, "head", 1.0, r"\b(programma|omgevingsvisie|nota|structuurvisie|uitvoeringsprogramma)\b",
       "Beleidsprogramma, visie of nota"),
    _c("ob_algemene_strekking", OB, "body", 1.5, r"\bbesluit(en)? van algemene strekking\b",
       "Uitdrukkelijk \"besluit van algemene strekking\""),
    # 3.3 lid 1 c: ontwerpen met adviesaanvraag
    _c("on_ontwerp", ON, "head", 1.8, r"\bontwerp(-|\s)?(besluit|verordening|regeling|wet|bestemmingsplan|omgevingsplan|"
       r"programma|beleidsregel)?\b|\bvoorontwerp\b|\bconcept(-|\s)?(besluit|regeling|verordening|wetsvoorstel)\b",
       "Het document is een ontwerp of concept van regelgeving of beleid"),
    _c("on_status_ontwerp", ON, "head", 1.5, r"\bstatus:? ontwerp\b|\bon01\b", "Planstatus \"ontwerp\""),
    _c("on_consultatie", ON, "body", 1.5, r"\b(internet)?consultatie\b|\badviesaanvraag\b|\bverzoek(en)? om advies\b|"
       r"\bom advies (gevraagd|te vragen)\b", "Consultatie of adviesaanvraag over een ontwerp"),
    _c("on_zienswijze", ON, "body", 0.8, r"\bzienswijze(n)?\b.{0,80}\bontwerp|\bontwerp\b.{0,80}\bzienswijze",
       "Zienswijzen op een ontwerp"),
    _c("on_toelichting", ON, "head", 0.6, r"\b(memorie|nota) van toelichting\b|\btoelichting\b",
       "Toelichting bij regelgeving of een plan"),
    # 3.3 lid 1 d: organisatie en werkwijze
    _c("ow_organisatiebesluit", OW, "head", 2.5, r"\borganisatie(besluit|regeling|verordening|schema)\b|\borganogram\b",
       "Organisatiebesluit, -regeling of organogram"),
    _c("ow_mandaat", OW, "head", 2.0, r"\bmandaat(besluit|regeling)?\b|\bmandatering\b|\bvolmacht en machtiging\b",
       "Mandaat, volmacht of machtiging (taken en bevoegdheden)"),
    _c("ow_instelling", OW, "head", 3.0, r"\binstellingsbesluit\b|\bhoudende (de )?instelling van\b|\breglement van orde\b",
       "Instellingsbesluit of reglement van orde"),
    _c("ow_werkwijze", OW, "head", 2.0, r"\bwerkwijze\b|\btaken en bevoegdheden\b|\bprotocol\b",
       "Beschrijving van werkwijze, taken en bevoegdheden"),
    _c("ow_onderdelen", OW, "body", 0.8, r"\b(directie|afdeling|directoraat-generaal|dienst|secretariaat)\b.{0,60}"
       r"\b(is belast met|staat onder leiding|heeft tot taak|taken)\b", "Taken van organisatieonderdelen", min_count=2),
    # 3.3 lid 1 e: bereikbaarheidsgegevens
    _c("bg_contact", BG, "head", 1.2, r"\bcontact(gegevens|informatie|pagina)\b|\bbereikbaarheid(sgegevens)?\b|"
       r"\bopeningstijden\b",
       "Contactgegevens of bereikbaarheid als onderwerp"),
    _c("bg_adressen", BG, "body", 1.0, r"\b(bezoekadres|postadres|telefoon(nummer)?|openingstijden|e-?mail(adres)?)\b",
       "Veel adres-, telefoon- en openingstijdgegevens", min_count=12),
    _c("bg_adreslijst", BG, "body", 1.5, r"\bpostbus \d+|\(0\d{1,3}\) ?\d{2,3}|\btel(efoon)?\.?:? ?0\d{1,3}[- ]?\d{3}",
       "Lijst van postadressen en telefoonnummers", min_count=6),
    _c("bg_woo_contact", BG, "body", 1.5, r"\bwoo-?contactpersoon\b|\bverzoek (om informatie )?(kunt u )?indienen\b",
       "Woo-contactpersoon of hoe een verzoek kan worden ingediend"),
    # 3.3 lid 2 a: bij vertegenwoordigende organen ingekomen stukken
    _c("is_geachte_raad", IS, "head", 1.5, r"\bgeachte (leden van de |dames en heren van de )?(gemeente)?raad\b|"
       r"\bgeachte (leden van )?provinciale staten\b|\bgeachte statenleden\b|\bgeachte raadsleden\b",
       "Brief gericht aan de gemeenteraad of Provinciale Staten"),
    _c("is_raadsadres", IS, "head", 2.5, r"\braadsadres\b|\bingekomen stuk(ken)?\b|\bburgerbrief\b|\bpetitie\b|"
       r"\blijst van ingekomen\b", "Raadsadres, petitie of ingekomen stuk"),
    _c("is_aan_ps", IS, "head", 1.2, r"\baan (de )?provinciale staten\b|\baan de (leden van de )?gemeenteraad\b|"
       r"\baan het algemeen bestuur\b|\btoezending aan provinciale staten\b|\bter informatie\b",
       "Stuk toegezonden aan een vertegenwoordigend orgaan"),
    # 3.3 lid 2 b: vergaderstukken Staten-Generaal
    _c("sg_kamer", SG, "head", 2.0, r"\b(tweede|eerste) kamer der staten-generaal\b|\bvergaderjaar \d{4}\s?[-–]\s?\d{4}\b|"
       r"\bkamerstuk(ken)?\b|\baanhangsel van de handelingen\b",
       "Kamerstuk van de Staten-Generaal (vergaderjaar, kamerstuknummer)"),
    _c("sg_voorzitter", SG, "head", 2.0, r"\baan de voorzitter van de (tweede|eerste) kamer\b|\bkamerbrief\b",
       "Brief aan de Voorzitter van de Tweede of Eerste Kamer"),
    _c("sg_motie", SG, "head", 1.5, r"\bmotie van (het lid|de leden)\b|\bde kamer, gehoord de beraadslaging\b|"
       r"\bkamervragen\b|\bvragen van (het lid|de leden)\b",
       "Motie of Kamervragen in de Tweede of Eerste Kamer"),
    _c("sg_fiche", SG, "head", 2.5, r"\bbnc-?fiche\b|^\W*fiche\s*\d+\s*:|\bbeoordeling nieuwe commissievoorstellen\b",
       "BNC-fiche (kabinetsbeoordeling van een Europees voorstel, aan de Kamer gezonden)"),
    _c("sg_tk", SG, "body", 0.8, r"\b(tweede|eerste) kamer\b", "Verwijzingen naar de Tweede of Eerste Kamer", min_count=3),
    # 3.3 lid 2 c: vergaderstukken decentrale overheden
    _c("do_voorstel", DO, "head", 2.2, r"\b(raads|staten|dagelijks bestuurs)voorstel\b|\braadsbesluit\b|\bstatenbesluit\b|"
       r"\braadsinformatiebrief\b|\bstatenmededeling\b", "Raadsvoorstel, statenvoorstel of raadsinformatiebrief"),
    _c("do_motie", DO, "head", 1.8, r"\bmotie\b|\bamendement\b|\bde raad,? gehoord de beraadslaging\b",
       "Motie of amendement in de raad of staten"),
    _c("do_vragen", DO, "head", 1.5, r"\bschriftelijke vragen\b|\bbeantwoording (van )?(de )?(schriftelijke )?vragen\b|"
       r"\bartikel \d+ ?-?vragen\b", "Beantwoording van schriftelijke vragen van raads- of statenleden"),
    _c("do_raad", DO, "head", 1.0, r"\b(gemeenteraad|provinciale staten|raadsvergadering|statenvergadering|raadscommissie|"
       r"statencommissie|algemeen bestuur)\b", "Gemeenteraad, Provinciale Staten of algemeen bestuur"),
    # 3.3 lid 2 d: agenda's en besluitenlijsten bestuurscolleges
    _c("ab_besluitenlijst", AB, "head", 3.0, r"\bbesluitenlijst\b|\bbesluitenlijst(en)? van\b",
       "Kop \"Besluitenlijst\" van een vergadering"),
    _c("ab_agenda", AB, "head", 1.5, r"^\W*agenda\b|\bagenda (van de |voor de )?(vergadering|collegevergadering|bestuurlijk overleg)\b",
       "Kop \"Agenda\" van een vergadering"),
    _c("ab_college", AB, "head", 1.5, r"\b(college van burgemeester en wethouders|b\s?&\s?w|gedeputeerde staten|ministerraad|"
       r"dagelijks bestuur|collegevergadering|gedeputeerde|wethouders?)\b",
       "Bestuurscollege (B&W, Gedeputeerde Staten, ministerraad of dagelijks bestuur)"),
    _c("ab_vergadering", AB, "head", 1.0, r"\b(aanwezig|afwezig|verslag|notulen)\s*:?\s|\bbestuurlijk overleg\b|"
       r"\bvergadering van\b", "Vergaderkop: verslag, aanwezigen, bestuurlijk overleg"),
    _c("ab_punten", AB, "body", 1.0, r"\b(opening|rondvraag|sluiting|vaststellen (van het )?verslag|ter vaststelling|"
       r"conform (advies|voorstel)|besloten conform)\b", "Agendapunten zoals opening, rondvraag, sluiting", min_count=2),
    # 3.3 lid 2 e: adviezen
    _c("ad_advies", AD, "head", 2.0, r"\b(onderwerp:?\s*)?advies (over|inzake|op|aan|van|betreffende)\b|^\W*advies\b|"
       r"\bwetgevingsadvies\b|\bjuridische analyse\b|\bethische analyse\b",
       "Het document is een advies of een analyse als advies"),
    _c("ad_adviesorgaan", AD, "head", 1.5, r"\b(adviesraad|adviescollege|adviescommissie|raad van state|autoriteit persoonsgegevens|"
       r"landsadvocaat|expertpanel|afdeling advisering)\b", "Afkomstig van een adviescollege of externe adviseur"),
    _c("ad_adviseren", AD, "body", 1.2, r"\b(wij|de raad|de commissie|het college|de ap) (adviseert|adviseren|beveelt aan|"
       r"raadt aan|geeft in overweging)\b|\bwij adviseren u\b", "Adviserende formuleringen (\"adviseert\", \"beveelt aan\")"),
    # 3.3 lid 2 f: convenanten
    _c("co_convenant", CO, "head", 3.0, r"\bconvenant\b|\bbestuursovereenkomst\b|\bsamenwerkingsovereenkomst\b|"
       r"\bintentieverklaring\b|\bwerkafspraken\b|\bbestuurlijke afspraken\b|\b\w*overeenkomst (inzake|tussen|over)\b|"
       r"\bovereenkomst (van|tot) samenwerking\b",
       "Convenant, overeenkomst of werkafspraken tussen partijen"),
    _c("co_partijen", CO, "body", 1.5, r"\bpartijen\b|\bpartij ter (ene|andere) zijde\b|\bhierna te noemen\b|"
       r"\bkomen (het volgende )?overeen\b|\bondergetekenden\b", "Partijen die iets overeenkomen", min_count=3),
    # 3.3 lid 2 g: jaarplannen en jaarverslagen
    _c("jv_jaarverslag", JV, "head", 3.0, r"\bjaar(verslag|plan|rekening|bericht|overzicht)\b|\bsociaal jaarverslag\b|"
       r"\bwerkplan \d{4}\b|\bjaarprogramma\b", "Jaarverslag, jaarplan of jaarrekening"),
    _c("jv_verantwoording", JV, "body", 1.0, r"\bverslagjaar\b|\bverantwoordingsjaar\b|\bbegrotingsjaar\b|\bin het afgelopen jaar\b",
       "Verantwoording over een (verslag)jaar", min_count=2),
    # 3.3 lid 2 h: subsidieverplichtingen anders dan met beschikking (geen voorbeelden in het corpus)
    _c("su_overeenkomst", SU, "head", 3.0, r"\bsubsidie-?overeenkomst\b|\bsubsidieverplichting(en)?\b|"
       r"\bverplichting(en)? tot (subsidieverstrekking|verstrekking van subsidie)\b|\bbijdrageovereenkomst\b|"
       r"\bcontribution arrangement\b|\bgrant (agreement|arrangement)\b|\bdelegated cooperation\b",
       "Subsidieovereenkomst of subsidieverplichting zonder beschikking (art. 3.3 lid 2 sub h)"),
    _c("su_subsidie_overeenkomst", SU, "body", 1.5, r"\bsubsidie\b.{0,120}\bovereenkomst\b|\bovereenkomst\b.{0,120}\bsubsidie\b",
       "Subsidie verstrekt via een overeenkomst"),
    _c("su_buza", SU, "body", 0.8, r"\bministerie van buitenlandse zaken\b.{0,200}\b(subsidie|bijdrage)\b|"
       r"\b(subsidie|bijdrage)\b.{0,200}\bministerie van buitenlandse zaken\b",
       "Subsidie of bijdrage van het Ministerie van Buitenlandse Zaken (de categorie geldt alleen daar)"),
    # 3.3 lid 2 i: Woo-verzoeken en -besluiten
    _c("wv_verzoek", WV, "head", 3.0, r"\b(woo|wob)(-|\s)?(verzoek|besluit|deelbesluit|afwijzingsbesluit)\b|"
       r"\bbeslissing op (uw|het) (woo|wob)\b|\bverzoek (om informatie )?op grond van de (wet open overheid|woo|wob)\b",
       "Woo- of Wob-verzoek of het besluit daarop"),
    _c("wv_inventaris", WV, "head", 2.5, r"\binventarislijst\b|\bdocumentenlijst\b|\bdeels openbaar\b|\bniet openbaar\b",
       "Inventarislijst met beoordeling openbaar / deels openbaar"),
    _c("wv_gronden", WV, "body", 1.5, r"\b5\.1\.?[12]\.?[a-i]?\b|\b10\.?[12]\.?[a-g]\b|\buitzonderingsgrond(en)?\b|"
       r"\bartikel 5\.1\b|\bart\. 11 lid 1 wob\b", "Uitzonderingsgronden van de Woo/Wob (art. 5.1, 5.2, 10, 11)",
       min_count=2),
    _c("wv_wet", WV, "body", 1.0, r"\bwet open overheid\b|\bwet openbaarheid van bestuur\b|\(hierna: (woo|wob)\)",
       "Verwijzing naar de Wet open overheid of Wob"),
    # 3.3 lid 2 j: onderzoeksrapporten
    _c("or_rapport", OR, "head", 2.0, r"\b(onderzoeks)?rapport(age)?\b|\beindrapport\b|\bevaluatie\b|\bonderzoek naar\b|"
       r"\bhaalbaarheidsstudie\b|\b\w*effectrapport(age)?\b|\bmonitor\b|\bverkenning\b|\bmystery guest\b",
       "Onderzoeksrapport, evaluatie of studie"),
    _c("or_opdracht", OR, "body", 1.5, r"\bin opdracht van\b|\bonderzoeksvra(ag|gen)\b|\brespondenten\b|\bmethode\b|"
       r"\bconclusies en aanbevelingen\b|\bonderzoeksopzet\b|\bonderzoeksteam\b", "Onderzoeksopzet, methode of respondenten",
       min_count=2),
    _c("or_structuur", OR, "head", 0.8, r"\b(inhoudsopgave|samenvatting|management ?summary|colofon)\b",
       "Rapportstructuur (inhoudsopgave, samenvatting, colofon)"),
    # 3.3 lid 2 k: beschikkingen
    _c("be_beschikking", BE, "head", 3.0, r"\b\w*beschikking\b|\blast onder dwangsom\b|\bbesluit op uw aanvraag\b",
       "Het document is een beschikking"),
    _c("be_vergunning", BE, "head", 1.5, r"\b(omgevings|kap|exploitatie|evenementen|drank- en horeca)?vergunning\b|"
       r"\bontheffing\b|\bvrijstelling\b", "Vergunning, ontheffing of vrijstelling"),
    _c("be_aanvrager", BE, "head", 1.5, r"\bgeachte aanvrager\b|\buw aanvraag\b|\bheeft (een )?[\w-]* ?aangevraagd\b|"
       r"\baanvraag (om|voor) (een )?\w*vergunning\b", "Besluit op een aanvraag van een aanvrager"),
    _c("be_bezwaar", BE, "body", 1.2, r"\b(bezwaar|bezwaarschrift)\b.{0,80}\b(zes weken|6 weken)\b|"
       r"\bbelanghebbenden?\b.{0,80}\b(bezwaar|zienswijze)\b", "Bezwaarclausule voor belanghebbenden"),
    # 3.3 lid 2 l: klachtoordelen
    _c("kl_klacht", KL, "head", 2.5, r"\b(uw )?klacht\b|\bklachtbehandeling\b|\bklachtafhandeling\b|\bklachtencentrum\b|"
       r"\bklachtenco(mmissie|ordinator)\b", "Behandeling van een klacht"),
    _c("kl_oordeel", KL, "body", 1.5, r"\b(klacht|klachten)\b.{0,80}\b(gegrond|ongegrond)\b|\btitel 9\.1\b|\bartikel 9:\d+\b|"
       r"\bombudsman\b", "Oordeel over een klacht (gegrond/ongegrond, titel 9.1 Awb, ombudsman)"),
    # art. 3.1: other information published of one's own accord (geen voorbeelden in het corpus)
    _c("a31_communicatie", A31, "head", 2.0, r"^\W*(persbericht|nieuwsbericht|nieuwsbrief|factsheet|brochure|folder|infographic|"
       r"toespraak|speech|blog|veelgestelde vragen)\b", "Voorlichtingsmateriaal (persbericht, nieuwsbrief, brochure ...)"),
    _c("a31_dataset", A31, "head", 1.0, r"\bopen data\b|\bdataset\b|\bdatasets\b", "Dataset of open data"),
    # ---- what kind of document, by who writes to whom (art. 3.3 lid 2 b, c, d tell the bodies apart) ----
    _c("sg_commissie_vergadering", SG, "title", 3.5,
       rf"\b{_MEETING}\b.{{0,200}}\b{_PARLIAMENT}\b|\b{_PARLIAMENT}\b.{{0,200}}\b{_MEETING}\b",
       "Agenda, besluitenlijst of verslag van een Kamercommissie of de Tweede/Eerste Kamer"),
    _c("do_raad_vergadering", DO, "title", 3.5,
       rf"\b{_MEETING}\b.{{0,150}}\b{_COUNCIL}\b|\b{_COUNCIL}\b.{{0,150}}\b{_MEETING}\b",
       "Agenda, besluitenlijst of verslag van de raad, Provinciale Staten, het algemeen bestuur of een "
       "raads-/statencommissie (vertegenwoordigend orgaan, niet het college)"),
    _c("ab_college_vergadering", AB, "title", 2.5,
       rf"\b{_MEETING}\b.{{0,150}}\b{_COLLEGE}\b|\b{_COLLEGE}\b.{{0,150}}\b{_MEETING}\b|\bcollegebesluitenlijst\b",
       "Agenda of besluitenlijst van het college (B&W, Gedeputeerde Staten, dagelijks bestuur, ministerraad)"),
    _c("do_griffie", DO, "head", 1.0, r"\b(raads|staten)?griffie(r)?\b|\bplaatsvervangend griffier\b",
       "Griffie of griffier (ondersteunt de raad of Provinciale Staten)"),
    _c("do_raadsbesluit", DO, "body", 2.0,
       r"\bde raad van de gemeente\b.{0,400}\bbesluit\b|\bprovinciale staten van \w+.{0,400}\bbesluiten\b|"
       r"\bhet algemeen bestuur van\b.{0,400}\bbesluit\b",
       "\"De raad van de gemeente ... besluit\" of \"Provinciale Staten ... besluiten\" (besluit van het "
       "vertegenwoordigend orgaan)"),
    _c("ob_college_besluit", OB, "body", 1.0,
       r"\bhet college van burgemeester en wethouders\b.{0,300}\bbesluit\s*:|\bgedeputeerde staten van \w+.{0,300}"
       r"\bbesluiten\s*:|\bhet dagelijks bestuur van\b.{0,300}\bbesluit\s*:",
       "\"Het college van burgemeester en wethouders ... besluit:\" (besluit van het bestuursorgaan)"),
    # 3.3 lid 2 i: the Woo-besluit letter itself (the stamp on a released document is masked before this)
    _c("wv_uw_verzoek", WV, "body", 2.0, r"\buw (informatie)?verzoek\b.{0,200}\b(wet open overheid|woo|wob)\b|"
       r"\b(wet open overheid|woo|wob)\b.{0,200}\buw (informatie)?verzoek\b",
       "Antwoord op een verzoek om informatie onder de Woo/Wob (\"uw verzoek\")"),
    _c("wv_openbaarmaking", WV, "body", 1.5, r"\b(besluit|besloten|besluiten)\b.{0,120}\b(deels |gedeeltelijk |niet )?openbaar "
       r"te maken\b|\bwij maken\b.{0,80}\b(deels |gedeeltelijk )?openbaar\b|\bverstrekking van de (gevraagde )?informatie\b",
       "Besluit over het openbaar maken van de gevraagde documenten"),
    # 3.3 lid 1 e: contact pages and address lists
    _c("bg_kop", BG, "title", 2.5, r"\A\W*(contact|contactgegevens|contactinformatie|adressen|bereikbaarheid|"
       r"bezoekadressen|openingstijden)\b|\b(adressenlijst|adreslijst|telefoonlijst|contactpagina|smoelenboek)\b",
       "Kop \"Contact\", adressenlijst of telefoonlijst"),
    _c("bg_postcodes", BG, "body", 3.0, r"\b[1-9][0-9]{3} ?[A-Z]{2}\b", "Veel postcodes (een lijst met adressen)",
       min_count=8, cased=True),
    # 3.3 lid 2 e: advice framing
    _c("ad_advies_framing", AD, "body", 1.5, r"\bons advies\b|\bhet advies (luidt|is)\b|\b(on)?gevraagd advies\b|"
       r"\bconclusie(s)? en advies\b|\bgeven (u|wij u) in overweging\b|\badviseren (wij|de minister|het college|u)\b|"
       r"\badviseert (de|het|u)\b", "Adviserende formulering (\"ons advies\", \"adviseert\", \"advies over\")"),
    # 3.3 lid 2 g
    _c("jv_jaar", JV, "title", 3.0, r"\bjaar(verslag|plan|rekening|programma|bericht)\s*['’]?\d{2,4}\b|\b(verslag|plan|"
       r"werkplan|uitvoeringsplan) (over |voor )?(het jaar )?\d{4}\b", "\"Jaarplan/jaarverslag [jaar]\" in de titel"),
    # 3.3 lid 2 h: a register of subsidies (tables exported as CSV or spreadsheet)
    _c("su_register", SU, "title", 4.0, r"\bsubsidieregister\b|\bregister (van )?(verleende |verstrekte )?subsidies\b|"
       r"\b(verleende|verstrekte|toegekende) subsidies\b|\bsubsidieontvangers\b|\bsubsidieplafond",
       "Subsidieregister of overzicht van verstrekte subsidies"),
    _c("su_tabel", SU, "title", 3.0, r"\bsubsidie\w*\b.{0,600}\b(bedrag|verleend|toegekend|aanvrager|ontvanger)\w*\b|"
       r"\b(bedrag|aanvrager|ontvanger)\w*\b.{0,600}\bsubsidie\w*",
       "Tabel met subsidies, aanvragers en bedragen", tabular_only=True),
    # ---- form of the document: features for the model, no category of their own ----
    _c("form_brief", None, "head", 0.0, r"\bgeachte\b|\bbeste\b.{0,40},", "Briefvorm (aanhef)"),
    _c("form_ondertekening", None, "body", 0.0, r"\bmet vriendelijke groet\b|\bhoogachtend\b|\bnamens (deze|het college|"
       r"de minister|gedeputeerde staten)\b", "Ondertekening"),
    _c("form_kenmerk", None, "head", 0.0, r"\b(ons kenmerk|uw kenmerk|onderwerp|betreft|datum)\s*:?\s", "Briefhoofd"),
    _c("form_aan_raad", None, "head", 0.0, r"\baan de (gemeente)?raad\b|\baan (de )?provinciale staten\b|"
       r"\baan het algemeen bestuur\b", "Gericht aan een vertegenwoordigend orgaan"),
    _c("form_tabel", None, "title", 0.0, r".", "Tabel (CSV of spreadsheet)", tabular_only=True),
    _c("form_college_ondertekening", None, "body", 0.0,
       r"\b(gedeputeerde staten|burgemeester en wethouders|het dagelijks bestuur) van [^\n,;]{2,40},?\s*"
       r"(de |het )?(voorzitter|secretaris|burgemeester|griffier)\b", "Ondertekend door het college"),
    _c("form_lijst", None, "body", 0.0, r"(?!)", "Lijst of gegevensexport zonder lopende tekst", derived=True),
    # 3.3 lid 2 a: a letter to the council or Provinciale Staten (from the college, a citizen, an organisation)
    _c("is_brief_aan_orgaan", IS, "head", 2.5, r"(?!)",
       "Brief (briefhoofd, aanhef of ondertekening) gericht aan de raad, Provinciale Staten of het algemeen "
       "bestuur: een bij het vertegenwoordigend orgaan ingekomen stuk", derived=True),
)


# Cues that name what kind of document this is: strongest when they stand in the title.
TYPE_CUES = frozenset({
    "wet_verordening", "wet_regeling_minister", "ob_beleidsregel", "ob_aanwijzing", "ob_kennisgeving",
    "ob_programma", "on_ontwerp", "ow_organisatiebesluit", "ow_mandaat", "ow_instelling", "ow_werkwijze", "bg_contact",
    "is_raadsadres", "sg_voorzitter", "sg_motie", "sg_fiche", "do_voorstel", "do_motie", "do_vragen", "ab_besluitenlijst",
    "ab_agenda", "ab_vergadering", "ad_advies", "co_convenant", "jv_jaarverslag", "su_overeenkomst", "wv_verzoek",
    "wv_inventaris", "or_rapport", "be_beschikking", "be_vergunning", "kl_klacht", "a31_communicatie",
})


def _with_title_variants(cues: tuple[Cue, ...]) -> tuple[Cue, ...]:
    out = []
    for cue in cues:
        if cue.id in TYPE_CUES:
            out.append(Cue(cue.id + "_titel", cue.category, cue.pattern, "title", cue.weight, cue.reason + " in de titel",
                           cased=cue.cased))
            out.append(Cue(cue.id, cue.category, cue.pattern, cue.where, round(cue.weight / 2, 2), cue.reason,
                           cased=cue.cased))
        else:
            out.append(cue)
    return tuple(out)


CUES = _with_title_variants(CUES)


# A meeting document of the council or of parliament is not the college's (2c/2b, not 2d).
_NOT_COLLEGE = frozenset({"sg_commissie_vergadering", "do_raad_vergadering"})
_COLLEGE_MEETING = frozenset({"ab_besluitenlijst", "ab_besluitenlijst_titel", "ab_agenda", "ab_agenda_titel",
                              "ab_vergadering", "ab_vergadering_titel", "ab_punten"})


# Phrasing cues: "wij adviseren", "partijen komen overeen", "uw verzoek ... Woo" say what a text does only in
# running sentences; in a list of organisations or a data export the same words are names and labels.
PROSE_ONLY = frozenset({"ad_adviseren", "ad_advies_framing", "co_partijen", "or_opdracht", "wv_uw_verzoek",
                        "wv_openbaarmaking", "ob_college_besluit", "do_raadsbesluit", "kl_oordeel", "be_bezwaar",
                        "on_zienswijze"})
_SENTENCE_WORDS = 8


def list_like(body: str) -> bool:
    """A list or data export (an XML or address list as text): many lines, hardly any of them a sentence."""
    lines = [line for line in body[:BODY_CUE_CHARS].splitlines() if line.strip()]
    if len(lines) < 30:
        return False
    prose = sum(1 for line in lines if len(line.split()) >= _SENTENCE_WORDS)
    return prose < 0.1 * len(lines)


_ADDRESSED = ("form_aan_raad", "is_geachte_raad")
_LETTER = ("form_kenmerk", "form_brief", "form_ondertekening", "form_college_ondertekening")
_NOT_A_LETTER_TO = frozenset({"do_raadsbesluit", "do_voorstel_titel", "do_motie_titel", "do_vragen_titel",
                              "do_raad_vergadering", "sg_commissie_vergadering", "ab_college_vergadering"})


def fire(head: str, body: str, title: str = "", *, table: bool = False) -> dict[str, int]:
    """Which cues occur: cue id -> matches counted up to the cue's min_count (head cues: the head only)."""
    out: dict[str, int] = {}
    if len(body) > BODY_CUE_CHARS + TAIL_CHARS:  # the structure of a document shows early (and at its end)
        body = body[:BODY_CUE_CHARS] + "\n" + body[-TAIL_CHARS:]
    texts = {"head": head, "body": body, "title": title}
    lowered = {k: v.lower() for k, v in texts.items()}
    listed = not table and list_like(body)
    for cue in CUES:
        if cue.derived or (cue.tabular_only and not table) or (listed and cue.id in PROSE_ONLY):
            continue
        text = texts[cue.where] if cue.cased else lowered[cue.where]
        words = required_words(cue.pattern)
        if words is not None and not any(w in text for w in words):
            continue
        if cue.where in ("head", "title"):
            n = 1 if cue.regex.search(text) else 0
        else:
            n = 0
            for _ in cue.regex.finditer(text):
                n += 1
                if n >= cue.min_count:  # presence is what counts; stop scanning
                    break
            if n < cue.min_count:
                n = 0
        if n:
            out[cue.id] = n
    if _NOT_COLLEGE & out.keys() and "ab_college_vergadering" not in out:
        for cid in _COLLEGE_MEETING:
            out.pop(cid, None)
    if listed:
        out["form_lijst"] = 1
    if (any(c in out for c in _ADDRESSED) and any(c in out for c in _LETTER)
            and not _NOT_A_LETTER_TO & out.keys()):
        out["is_brief_aan_orgaan"] = 1
    return out


def find(cue: Cue, text: str) -> str | None:
    """The words that made a cue fire, in the text's own spelling."""
    lower = text if cue.cased else text.lower()
    found = cue.regex.search(lower)
    if not found:
        return None
    if len(lower) == len(text):  # lower() kept the offsets
        return text[found.start():found.end()]
    return found.group(0)


def head_text(text: str, title: str | None = None, filename: str | None = None,
              properties: dict | None = None) -> str:
    """What the reader sees first: title, document properties, filename, and the first page."""
    parts = []
    if title:
        parts.append(str(title))
    for key, value in (properties or {}).items():
        if str(key).lower().lstrip("/") in {"title", "subject", "keywords", "dc:title", "description"} and value:
            parts.append(str(value)[:300])
    if filename:
        stem = re.sub(r"\.[A-Za-z0-9]{1,5}$", "", str(filename).replace("\\", "/").rsplit("/", 1)[-1])
        parts.append(re.sub(r"[_+]+", " ", stem))
    parts.append(text[:HEAD_CHARS])
    return "\n".join(parts)


# ---- which cues do not count toward their category's prior in this document ----
# A cue stays a feature of the linear model; a muted cue only loses its fixed legal-definition weight, because
# another cue says better what kind of document this is. Each rule carries the Dutch reason shown to the officer.
_REGULATION_FORM = frozenset({"wet_koning", "wet_wet_van", "wet_begrippen", "wet_inwerkingtreding", "wet_artikelen"})
_KIND_OF_REGULATION_TITLE = frozenset({"ow_organisatiebesluit_titel", "ow_mandaat_titel", "ow_instelling_titel",
                                       "ow_werkwijze_titel", "ob_beleidsregel_titel", "ob_aanwijzing_titel",
                                       "on_ontwerp_titel"})
_REGULATION_TITLE = frozenset({"wet_verordening_titel", "wet_regeling_minister_titel"})
_EU_PROPOSAL = frozenset({"sg_fiche", "sg_fiche_titel"})
_MEETING_CUES = _COLLEGE_MEETING | {"ab_college_vergadering"}

MUTE_REASONS = {
    "regelgeving_soort": "De vorm van regelgeving (genummerde artikelen, inwerkingtreding, koninklijke aanhef) zegt "
                         "dat het regelgeving is, niet welke soort: de titel noemt organisatie en werkwijze, een "
                         "beleidsregel of een ontwerp, en die beslist.",
    "raad_van_state_gehoord": "Een besluit met koninklijke aanhef noemt het advies van de Raad van State (\"De "
                              "Afdeling advisering van de Raad van State gehoord\"): dat maakt het besluit geen advies.",
    "fiche": "Een BNC-fiche beoordeelt een Europees voorstel: de verordening en de artikelen zijn die van het "
             "voorstel, het fiche zelf is een stuk voor de Kamer.",
    "college_zonder_vergadering": "Het noemen van het college (B&W, Gedeputeerde Staten) zegt wie besluit, niet dat "
                                  "het een agenda of besluitenlijst is: zonder vergaderkop telt het niet mee.",
}


def muted(fired) -> dict[str, str]:
    """Cue id -> rule (a key of MUTE_REASONS) for the fired cues whose prior weight does not count here."""
    out: dict[str, str] = {}
    keys = set(fired)
    if keys & _KIND_OF_REGULATION_TITLE and not keys & _REGULATION_TITLE:  # "Heffingsverordening" stays a wet
        out.update({c: "regelgeving_soort" for c in keys & _REGULATION_FORM})
    if "wet_koning" in keys:
        out.update({c: "raad_van_state_gehoord" for c in keys & {"ad_advies", "ad_adviesorgaan", "ad_advies_titel"}})
    if keys & _EU_PROPOSAL:
        out.update({c: "fiche" for c in keys & (_REGULATION_FORM | {"wet_verordening", "wet_verordening_titel"})})
    if "ab_college" in keys and not keys & _MEETING_CUES:
        out["ab_college"] = "college_zonder_vergadering"
    return out
