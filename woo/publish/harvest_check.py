"""`woo harvest check`: crawl an organisation's public host from outside, exactly as the Woo-index does
(robots.txt -> sitemapindex-diwoo-infocatNNN.xml -> sitemaps -> every <loc>), and list what would stop
or mislead the harvest, in Dutch. Only HTTP answers are used, never the database: what a harvester sees is
what is checked.

Checked: robots.txt names only category indexes of known Woo categories; every URL is https (when the
base is) and on the base's host; indexes and sitemaps are sitemaps.org documents within the limits
(50,000 entries, 50 MB uncompressed); every <url> has a <loc> and a W3C <lastmod>; every diwoo:Document
is valid against DiWoo (schemas/diwoo), names its index's category, and uses only URIs from the TOOI
and EU lists in schemas/tooi; no <loc> is listed twice; every <loc> answers 200 (a 410 is a withdrawn
document, a 404 an unpublished one) with bytes, a Content-Length that matches them and a Content-Type
that fits the record's format.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable
from urllib.parse import urlsplit

from lxml import etree

from woo.domain import tooi
from woo.metadata.xsd import DIWOO_NS, SITEMAP_NS, SchemaValidationError, validate_diwoo

MAX_ENTRIES = 50_000
MAX_BYTES = 50 * 1024 * 1024
INDEX_NAME = re.compile(r"/sitemapindex-diwoo-(infocat\d{3})\.xml$")
W3C_DATETIME = re.compile(r"^\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?)?)?$")
SM = {"sm": SITEMAP_NS, "diwoo": DIWOO_NS}
# The MIME types a file of a DiWoo format (EU file-type label) is served as.
FORMAT_TYPES = {
    "PDF": {"application/pdf"}, "PDFA1A": {"application/pdf"}, "PDFA1B": {"application/pdf"},
    "PDFA2A": {"application/pdf"}, "PDFA2B": {"application/pdf"}, "PDFA3": {"application/pdf"},
    "XML": {"application/xml", "text/xml"}, "CSV": {"text/csv"}, "TXT": {"text/plain"},
    "HTML": {"text/html"}, "JSON": {"application/json"}, "ZIP": {"application/zip"},
    "ODT": {"application/vnd.oasis.opendocument.text"},
    "ODS": {"application/vnd.oasis.opendocument.spreadsheet"},
    "DOCX": {"application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
    "XLSX": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
}


@dataclass
class Answer:
    status: int
    headers: dict  # case-insensitive where the fetcher gives that (requests does)
    body: bytes


Fetch = Callable[[str], Answer]


@dataclass
class Report:
    base_url: str
    problems: list[str] = field(default_factory=list)
    indexes: int = 0
    sitemaps: int = 0
    documents: int = 0
    # category URI -> the sitemap index URL robots.txt names for it (what ROO must have registered)
    index_urls: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def text(self) -> str:
        seen = (f"{self.indexes} sitemapindex(en), {self.sitemaps} sitemap(s), "
                f"{self.documents} document(en) gecontroleerd")
        if self.ok:
            return f"{self.base_url}: klaar voor de Woo-index ({seen})."
        lines = [f"{self.base_url}: niet klaar voor de Woo-index: {len(self.problems)} probleem/problemen "
                 f"({seen})."]
        return "\n".join(lines + [f"- {p}" for p in self.problems])


def http_fetch(timeout: float = 60) -> Fetch:
    """A fetcher over HTTP(S) that asks for gzip, as the Woo-index does."""
    import requests

    session = requests.Session()
    session.headers.update({"Accept-Encoding": "gzip", "User-Agent": "woo-harvest-check"})

    def fetch(url: str) -> Answer:
        r = session.get(url, timeout=timeout)
        return Answer(r.status_code, r.headers, r.content)
    return fetch


@lru_cache(maxsize=1)
def known_uris() -> frozenset[str]:
    """Every concept URI in the TOOI and EU lists woo ships (schemas/tooi/*.csv)."""
    uris = set()
    for path in tooi.schemas_dir().joinpath("tooi").glob("*.csv"):
        with path.open(newline="", encoding="utf-8") as f:
            uris |= {row["uri"] for row in csv.DictReader(f) if row.get("uri")}
    return frozenset(uris)


def check(base_url: str, fetch: Fetch | None = None) -> Report:
    """Crawl ``base_url`` as a harvester does; every problem found is in the report."""
    base = base_url.rstrip("/")
    report = Report(base)
    fetch = fetch or http_fetch()
    parts = urlsplit(base)
    https, host = parts.scheme == "https", parts.netloc.lower()
    seen_locs: dict[str, str] = {}

    def problem(text: str) -> None:
        report.problems.append(text)

    def place(url: str, where: str) -> bool:
        """The URL is https (when the base is) and on the base's host."""
        u = urlsplit(url)
        good = True
        if https and u.scheme != "https":
            problem(f"{where}: {url} is geen https")
            good = False
        if u.netloc.lower() != host:
            problem(f"{where}: {url} staat op host {u.netloc or '(geen)'}, niet op {host}")
            good = False
        return good

    def get(url: str, what: str) -> Answer | None:
        try:
            answer = fetch(url)
        except Exception as e:  # noqa: BLE001 - unreachable is a finding, not a crash
            problem(f"{what} {url}: niet bereikbaar ({type(e).__name__})")
            return None
        if answer.status != 200:
            problem(f"{what} {url}: HTTP {answer.status}")
            return None
        return answer

    def xml(answer: Answer, url: str, what: str, root_tag: str):
        if len(answer.body) > MAX_BYTES:
            problem(f"{what} {url}: {len(answer.body):,} bytes, meer dan de 50 MB die een sitemap mag zijn")
        try:
            root = etree.fromstring(answer.body, etree.XMLParser(no_network=True, resolve_entities=False,
                                                                 huge_tree=True))
        except etree.XMLSyntaxError as e:
            problem(f"{what} {url}: geen geldige XML ({e})")
            return None
        if root.tag != f"{{{SITEMAP_NS}}}{root_tag}":
            problem(f"{what} {url}: het hoofdelement is {root.tag}, verwacht {root_tag} van sitemaps.org")
            return None
        return root

    def lastmod(el, where: str) -> None:
        value = el.findtext("sm:lastmod", namespaces=SM)
        if value is not None and not W3C_DATETIME.match(value.strip()):
            problem(f"{where}: lastmod '{value}' is geen W3C-datum")

    robots = get(f"{base}/robots.txt", "robots.txt")
    if robots is None:
        return report
    index_urls = [line.split(":", 1)[1].strip() for line in robots.body.decode("utf-8", "replace").splitlines()
                  if line.lower().startswith("sitemap:")]
    if not index_urls:
        problem("robots.txt noemt geen sitemapindex (regel 'Sitemap: ...')")
    for index_url in index_urls:
        m = INDEX_NAME.search(urlsplit(index_url).path)
        category = tooi.category_by_code(m.group(1)) if m else None
        if category is None:
            problem(f"robots.txt: {index_url} is geen sitemapindex-diwoo-infocatNNN.xml van een Woo-categorie")
            continue
        report.index_urls[category.uri] = index_url
        if not place(index_url, "robots.txt"):
            continue
        answer = get(index_url, "sitemapindex")
        root = answer and xml(answer, index_url, "sitemapindex", "sitemapindex")
        if root is None:
            continue
        report.indexes += 1
        entries = root.findall("sm:sitemap", SM)
        if len(entries) > MAX_ENTRIES:
            problem(f"sitemapindex {index_url}: {len(entries):,} sitemaps, meer dan {MAX_ENTRIES:,}")
        if not entries:
            problem(f"sitemapindex {index_url}: noemt geen sitemaps")
        for entry in entries:
            sitemap_url = (entry.findtext("sm:loc", namespaces=SM) or "").strip()
            where = f"sitemapindex {index_url}"
            lastmod(entry, where)
            if not sitemap_url:
                problem(f"{where}: een <sitemap> zonder <loc>")
                continue
            if place(sitemap_url, where):
                _check_sitemap(sitemap_url, category, report, get, xml, place, lastmod, fetch, problem, seen_locs)
    return report


def _check_sitemap(url, category, report, get, xml, place, lastmod, fetch, problem, seen_locs) -> None:
    answer = get(url, "sitemap")
    root = answer and xml(answer, url, "sitemap", "urlset")
    if root is None:
        return
    report.sitemaps += 1
    urls = root.findall("sm:url", SM)
    if len(urls) > MAX_ENTRIES:
        problem(f"sitemap {url}: {len(urls):,} URL's, meer dan {MAX_ENTRIES:,}")
    for n, el in enumerate(urls, 1):
        loc = (el.findtext("sm:loc", namespaces=SM) or "").strip()
        where = f"sitemap {url}, <url> {n}" + (f" ({loc})" if loc else "")
        lastmod(el, where)
        if not loc:
            problem(f"{where}: geen <loc>")
            continue
        if loc in seen_locs:
            problem(f"{where}: staat ook in {seen_locs[loc]}")
            continue
        seen_locs[loc] = url
        report.documents += 1
        doc = el.find("diwoo:Document", SM)
        fmt = None
        if doc is None:
            problem(f"{where}: geen diwoo:Document")
        else:
            try:
                validate_diwoo(doc)
            except SchemaValidationError as e:
                problem(f"{where}: DiWoo-record ongeldig: {'; '.join(e.messages[:3]) if e.messages else e}")
            resources = [r for r in doc.xpath(".//@resource")]
            for uri in sorted(set(resources) - known_uris()):
                problem(f"{where}: {uri} staat niet in de TOOI-/EU-lijsten")
            cats = doc.xpath(".//diwoo:informatiecategorie/@resource", namespaces=SM)
            if category.uri not in cats:
                problem(f"{where}: het record noemt niet de categorie van zijn index ({category.label})")
            fmt = doc.xpath("string(.//diwoo:format)", namespaces=SM).strip() or None
        if not place(loc, where):
            continue
        try:
            file = fetch(loc)
        except Exception as e:  # noqa: BLE001
            problem(f"{where}: bestand niet bereikbaar ({type(e).__name__})")
            continue
        if file.status == 410:
            problem(f"{where}: ingetrokken (HTTP 410) maar staat nog in de sitemap")
            continue
        if file.status != 200:
            problem(f"{where}: bestand geeft HTTP {file.status}" + (" (niet gepubliceerd?)" if file.status == 404 else ""))
            continue
        if not file.body:
            problem(f"{where}: het bestand is leeg")
        length = file.headers.get("Content-Length")
        if length is not None and file.headers.get("Content-Encoding") is None and int(length) != len(file.body):
            problem(f"{where}: Content-Length {length}, maar {len(file.body)} bytes ontvangen")
        ctype = (file.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if not ctype:
            problem(f"{where}: geen Content-Type")
        elif fmt and fmt.upper() in FORMAT_TYPES and ctype not in FORMAT_TYPES[fmt.upper()]:
            problem(f"{where}: Content-Type {ctype} past niet bij formaat {fmt}")


@dataclass(frozen=True)
class Registered:
    """One collection URL registered in ROO (the national register the Woo-index reads)."""
    category_uri: str
    url: str


def registration_warnings(base_url: str, registered: list[Registered], index_urls: dict[str, str]) -> list[str]:
    """What differs between the ROO registration and what the site serves (Dutch): a category that is
    served but not registered (the Woo-index will never harvest it), one registered but not served, a
    registered URL that differs from the served index, or one on another host than the public base."""
    warnings = []
    host = urlsplit(base_url).netloc.lower()
    by_uri = {r.category_uri: r for r in registered}
    for uri, url in sorted(index_urls.items()):
        label = _label(uri)
        reg = by_uri.get(uri)
        if reg is None:
            warnings.append(f"{label}: wordt gepubliceerd ({url}) maar is niet aangemeld bij de Woo-index (ROO)")
        elif reg.url.strip() != url:
            warnings.append(f"{label}: aangemeld als {reg.url}, maar robots.txt noemt {url}")
    for reg in registered:
        label = _label(reg.category_uri)
        if urlsplit(reg.url).netloc.lower() != host:
            warnings.append(f"{label}: aangemeld op host {urlsplit(reg.url).netloc or '(geen)'}, "
                            f"maar de publieke host is {host}")
        if reg.category_uri not in index_urls:
            warnings.append(f"{label}: aangemeld ({reg.url}), maar robots.txt noemt geen sitemapindex "
                            "voor deze categorie")
    return warnings


def _label(uri: str) -> str:
    category = tooi.category_by_uri(uri)
    return category.label if category else uri
