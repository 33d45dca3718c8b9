"""Dutch labels for the codes the officer UI would otherwise print: event actions, actors, statuses, file
roles, job kinds, sources, extraction methods, token scopes and ISO 8601 periods. One mapping, used by every
template through the filters registered in ``init_app`` (``action_nl``, ``actor_nl``, ``period_nl`` ...).
"""
from __future__ import annotations

import re

from flask import Flask

ACTIONS_NL = {
    "access.viewed": "Ingezien", "access.downloaded": "Gedownload",
    "auth.login": "Ingelogd", "auth.login_failed": "Inloggen mislukt", "auth.login_blocked": "Inloggen geblokkeerd",
    "auth.login_refused": "Inloggen geweigerd",
    "classification.auto_accepted": "Categorie automatisch vastgesteld",
    "classification.confirmed": "Categorie bevestigd", "classification.corrected": "Categorie verbeterd",
    "classifier.retrained": "Classificatiemodel opnieuw getraind",
    "destruction.approved": "Vernietigingslijst goedgekeurd", "destruction.cancelled": "Vernietigingslijst geannuleerd",
    "destruction.completed": "Vernietiging voltooid", "destruction.interrupted": "Vernietiging onderbroken",
    "destruction.item_reviewed": "Record op vernietigingslijst beoordeeld",
    "destruction.item_skipped": "Record overgeslagen bij vernietiging",
    "destruction.list_created": "Vernietigingslijst opgesteld", "destruction.reviewed": "Vernietigingslijst beoordeeld",
    "destruction.started": "Vernietiging gestart",
    "document.classified": "Categorie voorgesteld", "document.corrected": "Correctie gepubliceerd",
    "document.created": "Document aangemaakt", "document.destroyed": "Vernietigd",
    "document.extracted": "Tekst uitgelezen", "document.identified": "Formaat herkend",
    "document.ingested": "Opgenomen", "document.preserve_failed": "PDF/A maken mislukt",
    "document.preserved": "PDF/A gemaakt", "document.published": "Gepubliceerd", "document.rebuilt": "Hersteld uit opslag",
    "document.redacted": "Publicatieversie gelakt en opgeschoond",
    "document.redaction_removed": "Gelakte publicatieversie vervallen (niets meer te lakken)", "document.transferred": "Overgebracht",
    "document.withdrawn": "Ingetrokken",
    "correction.checked": "Correctie gecontroleerd", "document.correction_submitted": "Correctie ingediend",
    "document.registered": "Geregistreerd",
    "dossier.created": "Dossier aangemaakt", "dossier.edited": "Dossier gewijzigd",
    "dossier.status": "Dossierstatus gewijzigd", "dossier.documents_added": "Documenten aan dossier toegevoegd",
    "dossier.document_moved": "Document naar ander dossier verplaatst",
    "dossier.document_removed": "Document uit dossier gehaald", "dossier.judged": "Document beoordeeld (dossier)",
    "dossier.published": "Dossier gepubliceerd", "dossier.withdrawn": "Dossier ingetrokken",
    "dossier.online_for_requester": "Dossier online voor verzoeker",
    "dossier.inventory_generated": "Inventarislijst gemaakt", "dossier.imported": "Dossier geïmporteerd",
    "dossier.topic_added": "Onderwerp toegevoegd",
    "dossier.topic_renamed": "Onderwerp hernoemd", "dossier.topic_retired": "Onderwerp vervallen",
    "dossier.topic_restored": "Onderwerp weer in gebruik",
    "dossier.import_started": "Dossierimport gestart",
    "dossier.destroyed": "Dossier vernietigd", "dossier.transferred": "Dossier overgebracht",
    "dossier.rebuilt": "Dossier hersteld uit opslag",
    "dossier.late_published": "Nagekomen documenten van dossier gepubliceerd",
    "retention.dossier_classified": "Selectielijstklasse van dossier bepaald",
    "retention.dossier_overridden": "Selectielijstklasse van dossier gewijzigd",
    "subscription.requested": "Abonnement aangevraagd", "subscription.confirmed": "Abonnement bevestigd",
    "subscription.unsubscribed": "Afgemeld voor abonnement", "subscription.bounced": "E-mail geweigerd (abonnement)",
    "subscription.digests_planned": "Nieuwsbrieven ingepland", "subscription.digests_sent": "Nieuwsbrieven verzonden",
    "harvest.checked": "Woo-index-controle uitgevoerd", "report.annual": "Jaarcijfers Woo opgesteld",
    "fixity.invalid_metadata": "Integriteitscontrole: metadata ongeldig",
    "fixity.checked": "Integriteitscontrole uitgevoerd", "fixity.mismatch": "Integriteitscontrole: afwijking",
    "fixity.missing": "Integriteitscontrole: bestand ontbreekt",
    "job.failed": "Taak mislukt", "job.recovered": "Taak hersteld", "job.retried": "Taak opnieuw gestart",
    "harvest.registered": "Aanmelding bij de Woo-index (ROO) vastgelegd",
    "harvest.unregistered": "Aanmelding bij de Woo-index (ROO) verwijderd",
    "metadata.confirmed": "Metadata vastgelegd",
    "privacy.decided": "Privacybeslissing", "privacy.scan_overridden": "Privacycontrole overgeslagen (met reden)",
    "privacy.scanned": "Gecontroleerd op persoonsgegevens",
    "retention.classified": "Selectielijstklasse bepaald", "retention.legal_hold": "Juridische bewaarplicht gezet",
    "retention.legal_hold_lifted": "Juridische bewaarplicht opgeheven",
    "retention.overridden": "Selectielijstklasse gewijzigd",
    "storage.fsck": "Opslag gecontroleerd", "storage.rebuilt": "Database hersteld uit opslag",
    "token.created": "API-sleutel aangemaakt", "token.revoked": "API-sleutel ingetrokken",
    "transfer.confirmed": "Overbrenging bevestigd", "transfer.prepared": "Overbrenging voorbereid",
    "transfer.sent": "Overbrengingspakket verzonden", "transfer.cancelled": "Overbrengingspakket geannuleerd",
    "transfer.queued": "Overbrengingspakket wordt gemaakt", "transfer.failed": "Overbrengingspakket niet gemaakt",
    "transfer.recovered": "Overbrengingspakket opnieuw in de wachtrij (worker gestopt)",
    "user.activated": "Gebruiker geactiveerd", "user.created": "Gebruiker aangemaakt",
    "user.deactivated": "Gebruiker gedeactiveerd", "user.logged_out_everywhere": "Overal uitgelogd",
    "user.roles_changed": "Rollen gewijzigd",
    # sources (issue 16)
    "source.added": "Bron geregistreerd", "source.configured": "Bron ingesteld", "source.enabled": "Bron aangezet",
    "source.disabled": "Bron uitgezet", "source.sync_requested": "Synchronisatie gestart",
    "source.synced": "Synchronisatie klaar", "source.reconciled": "Volledige lijst van de bron vergeleken",
    "source.sync_failed": "Synchronisatie mislukt",
    "source.cursor_expired": "Cursor onbekend bij de bron; volledige synchronisatie",
    "source.placed": "In vergadering geplaatst (bron)", "source.metadata_updated": "Metadata bijgewerkt door de bron",
    "source.file_changed": "Nieuwe bestandsversie van de bron", "source.deleted_at_source": "Verwijderd bij de bron",
    # organisations and units (issue 14)
    "organisation.added": "Organisatie toegevoegd", "organisation.changed": "Organisatie gewijzigd",
    "unit.added": "Afdeling toegevoegd", "unit.renamed": "Afdeling hernoemd",
    "unit.member_added": "Gebruiker aan afdeling toegevoegd", "unit.member_removed": "Gebruiker uit afdeling gehaald",
    "unit.deleted": "Afdeling verwijderd",
    "organisation.logo_set": "Logo van de organisatie opgeslagen",
    "organisation.theme_set": "Thema (ontwerptokens) van de organisatie opgeslagen",
    "organisation.contact_document": "Bereikbaarheidsgegevens van de organisatie als document gemaakt",
    "document.handed_over": "Overgedragen aan andere afdeling",
    "dossier.handed_over": "Dossier overgedragen aan andere afdeling",
}
# Reads and downloads: folded away in a document's history (they are many and change nothing).
READ_ACTIONS = frozenset({"access.viewed", "access.downloaded"})
GROUPS_NL = {"access": "Inzage", "auth": "Inloggen", "classification": "Beoordeling", "classifier": "Beoordeling",
             "destruction": "Vernietiging", "document": "Document", "dossier": "Dossier",
             "correction": "Correctie", "fixity": "Integriteit", "harvest": "Woo-index", "job": "Verwerking",
             "metadata": "Metadata", "privacy": "Privacy", "report": "Rapportage", "retention": "Bewaartermijn", "storage": "Opslag",
             "token": "Beheer", "transfer": "Overbrenging", "user": "Beheer",
             "organisation": "Beheer", "unit": "Beheer"}

ACTOR_KINDS_NL = {"user": "", "system": "systeem", "token": "API-sleutel", "anonymous": "anoniem"}
FILE_ROLES_NL = {"original": "Origineel", "text": "Uitgelezen tekst", "pdfa": "PDF/A-archiefversie",
                 "redacted": "Publicatieversie (gelakt, opgeschoond)", "published": "Gecorrigeerde publicatieversie",
                 "metadata": "Metadata"}
SOURCES_NL = {"ui": "de webinterface", "api": "de API", "cli": "de opdrachtregel", "rebuild": "herstel uit opslag",
              "organisatie": "de contactgegevens van de organisatie"}
EXTRACTION_NL = {"pdf-text": "tekstlaag van de PDF", "ocr": "tekstherkenning (OCR)", "docx": "Word-tekst",
                 "odf": "OpenDocument-tekst", "xlsx": "spreadsheet", "pptx": "presentatie", "txt": "platte tekst",
                 "html": "HTML", "xml": "XML", "eml": "e-mail", "msg": "Outlook-bericht", "csv": "CSV",
                 "image": "afbeelding"}
SCOPES_NL = {"ingest": "documenten aanleveren", "read": "documenten lezen", "publish": "publiceren en intrekken",
             "review": "privacy beoordelen", "edit": "metadata wijzigen"}
LOCATIONS_NL = {None: "tekst", "title": "titel", "metadata": "metadata", "filename": "bestandsnaam (niet openbaar)"}
FIELDS_NL = {"published_at": "publicatiedatum", "withdrawn_at": "intrekkingsdatum", "status": "status",
             "category": "informatiecategorie", "title": "titel"}
BRONDATUM_NL = {"document_date": "documentdatum", "published_at": "publicatiedatum", "created_at": "datum van opname"}
_UNITS = {"Y": ("jaar", "jaar"), "M": ("maand", "maanden"), "W": ("week", "weken"), "D": ("dag", "dagen")}


def action_nl(action: str | None) -> str:
    return ACTIONS_NL.get(action or "", action or "")


def actor_nl(actor: str | None) -> str:
    """'user:k.smit' -> 'k.smit'; 'system' -> 'systeem'; 'token:3' -> 'API-sleutel 3'."""
    actor = actor or ""
    kind, _, rest = actor.partition(":")
    if not rest:
        return ACTOR_KINDS_NL.get(actor, actor)
    prefix = ACTOR_KINDS_NL.get(kind)
    if prefix is None:
        return actor
    return f"{prefix} {rest}".strip()


def period_nl(value: str | None) -> str:
    """ISO 8601 periods as Dutch: 'P1Y' -> '1 jaar', 'P10Y' -> '10 jaar', 'P6M' -> '6 maanden'."""
    if not value:
        return ""
    m = re.fullmatch(r"P(\d+)([YMWD])", value)
    if not m:
        return "permanent" if value in ("blijvend", "permanent") else value
    n, unit = int(m.group(1)), m.group(2)
    one, many = _UNITS[unit]
    return f"{n} {one if n == 1 else many}"


def init_app(app: Flask) -> None:
    app.add_template_filter(action_nl)
    app.add_template_filter(actor_nl)
    app.add_template_filter(period_nl)
    app.add_template_filter(lambda r: FILE_ROLES_NL.get(r, r), "file_role_nl")
    app.add_template_filter(lambda s: SOURCES_NL.get(s, s), "source_nl")
    app.add_template_filter(lambda m: EXTRACTION_NL.get(m, m), "extraction_nl")
    app.add_template_filter(lambda s: SCOPES_NL.get(s, s), "scope_nl")
    app.add_template_filter(lambda s: LOCATIONS_NL.get(s, s), "location_nl")
    app.add_template_filter(lambda s: BRONDATUM_NL.get(s, s), "brondatum_nl")
    app.add_template_filter(_status_nl, "status_nl")


def _status_nl(status: str | None) -> str:
    from woo.domain.lifecycle import LABELS_NL, Status

    try:
        return LABELS_NL[Status(status)]
    except ValueError:
        return status or ""
