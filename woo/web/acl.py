"""Who may use which route: one table, endpoint -> rule. tests/integration/test_routes_acl.py requests
every route of the app anonymously and as each role and checks the answer against this table; a route
without an entry fails that test. Add your route here when you add it.

Rules:
  public()                 anyone, no login (public site, harvesting, login page)
  login()                  any logged-in user (or API token with `scope`); the view filters what it shows
  action("x.y")            a user whose roles allow action x.y (woo.domain.roles.PERMISSIONS) for the
                           organisation of the object in the URL (scoped=True) or for some organisation
                           (scoped=False); others get 403, or 404 when the object is not theirs
The runtime checks stay in the views (require/may); this table is the specification they are tested
against. `scope` names the API-token scope a Bearer token needs for the route.
"""
from __future__ import annotations

from dataclasses import dataclass

PUBLIC, LOGIN, ACTION = "public", "login", "action"


@dataclass(frozen=True)
class Rule:
    access: str                 # public / login / action
    action: str | None = None   # for ACTION: the PERMISSIONS key
    scoped: bool = True         # ACTION: the URL (or form) names an object of one organisation
    scope: str | None = None    # API token scope, for /api routes
    # sample form fields for the test's POST: "{org}" / "{org_code}" = id / code of the object's organisation
    form: tuple[tuple[str, str], ...] = ()


def public() -> Rule:
    return Rule(PUBLIC)


def login(scope: str | None = None) -> Rule:
    return Rule(LOGIN, scope=scope)


def action(name: str, scoped: bool = True, scope: str | None = None, form: dict | None = None) -> Rule:
    return Rule(ACTION, name, scoped, scope, tuple((form or {}).items()))


RULES: dict[str, Rule] = {
    "static": public(),
    # auth
    "auth.login": public(),
    "auth.logout": public(),
    "auth.logout_everywhere": login(),
    "oidc.login": public(),  # redirect to the identity provider (404 when single sign-on is off)
    "oidc.callback": public(),  # the provider's answer; refused unless state, token and a role check out
    # officer UI
    "officer.index": public(),  # a redirect to the document list
    "officer.documents": login(),  # shows only the organisations the user holds roles in
    "officer.upload_page": action("document.ingest", scoped=False),
    "officer.upload": action("document.ingest", form={"organisation_id": "{org}"}),
    "officer.detail": action("document.read"),
    "officer.progress": action("document.read"),
    # resumable upload of large files (chunks by offset): start names the organisation; a session is
    # its creator's only (others get 404), and every chunk checks the ingest right again
    "officer.upload_start": action("document.ingest", form={"organisation_id": "{org}", "filename": "acl.txt",
                                                            "size": "10"}),
    "officer.upload_chunk": action("document.ingest", scoped=False),  # JSON of the processing steps (live progress)
    "officer.download": action("document.read"),
    "officer.privacy_decision": action("document.review"),
    "officer.retry_job": action("job.retry"),
    "officer.publish": action("document.publish"),
    "officer.withdraw": action("document.publish"),
    # bulk actions on the work lists (woo.services.bulk): each chosen document is checked again
    "officer.bulk_publish": action("document.publish", scoped=False),
    "officer.bulk_accept": action("document.review", scoped=False),
    "officer.correct": action("document.publish"),
    # start page per role and the audit log (woo/web/workbench.py)
    "work.mine": login(),  # counts only what the user may see and work off
    "work.audit_log": action("audit.read", scoped=False),
    # compliance dashboard (woo/web/dashboard.py): per organisation or across the user's organisations
    "dashboard.page": action("dashboard.read", scoped=False),
    "dashboard.annual": action("dashboard.read", scoped=False, form={"organisatie": "{org_code}", "jaar": "2026",
                                                                    "formaat": "csv"}),
    # review queue
    "review.queue": login(),  # lists only documents the user may review
    "review.decide": action("document.review"),
    # archivists (woo/web/retention.py): archival work spans organisations, so unscoped
    "retention.due": action("retention.manage", scoped=False),
    "retention.lists": action("retention.read", scoped=False),
    "retention.list_detail": action("retention.read", scoped=False),
    "retention.create_list": action("retention.manage", scoped=False),
    "retention.review_item": action("retention.review", scoped=False),
    "retention.finish_review": action("retention.review", scoped=False),
    "retention.approve": action("retention.manage", scoped=False),
    "retention.cancel": action("retention.read", scoped=False),
    "retention.start": action("retention.manage", scoped=False),
    "retention.document": action("retention.manage"),
    "retention.override": action("retention.manage"),
    "retention.dossier": action("retention.manage"),  # a dossier's class, dates and destruction list (issue 13)
    "retention.dossier_class": action("retention.manage"),
    "retention.dossier_destruction_list": action("retention.manage"),
    "retention.dossier_transfer": action("retention.manage"),  # the dossier's transfer packages
    "retention.dossier_transfer_sent": action("retention.manage"),
    "retention.dossier_transfer_confirm": action("retention.manage"),
    "retention.dossier_transfer_cancel": action("retention.manage"),
    # document metadata (woo/web/metadata.py): the page's form and the API's PATCH
    "metadata.set_field": action("document.edit"),
    "metadata.api_set_metadata": action("document.edit", scope="edit"),
    # administrators (woo/web/admin.py): users and API tokens of the whole installation
    "admin.users": action("admin", scoped=False),
    "admin.create_user": action("admin", scoped=False, form={"username": "acl-nieuw", "role": "officer",
                                                             "organisation_id": "{org}"}),
    "admin.set_active": action("admin", scoped=False, form={"active": "1"}),
    "admin.logout_everywhere": action("admin", scoped=False),
    "admin.tokens": action("admin", scoped=False),
    "admin.create_token": action("admin", scoped=False, form={"username": "officer", "name": "acl",
                                                              "scopes": "read"}),
    "admin.revoke_token": action("admin", scoped=False),
    "admin.jobs": action("admin", scoped=False),  # processing overview: waiting, running, failed jobs
    # harvest readiness and the ROO registration for the Woo-index (woo.services.harvest)
    "admin.harvest": action("admin", scoped=False),
    "admin.harvest_check": action("admin", scoped=False),
    "admin.harvest_register": action("admin", scoped=False, form={
        "category_uri": "https://identifier.overheid.nl/tooi/def/thes/kern/c_139c6280", "url": "https://acl.example/x",
        "registered_on": "2026-01-01", "registered_by": "acl"}),
    "admin.harvest_unregister": action("admin", scoped=False),
    # sources (woo/web/sources.py, issue 16): registered remote systems and their sync state
    "sources.index": action("admin", scoped=False),
    "sources.create": action("admin", scoped=False),
    "sources.detail": action("admin", scoped=False),
    "sources.enable": action("admin", scoped=False),
    "sources.disable": action("admin", scoped=False),
    "sources.sync_now": action("admin", scoped=False),
    "sources.force_reconcile": action("admin", scoped=False),  # past the more-than-half stop of a full listing
    # organisations and units (woo/web/organisations.py, issue 14): admin only; the hand-over of a document or a
    # dossier to another unit of its organisation is an edit of that object
    "organisations.index": action("admin", scoped=False),
    "organisations.create": action("admin", scoped=False),
    "organisations.detail": action("admin", scoped=False),
    "organisations.update": action("admin", scoped=False),
    "organisations.add_unit": action("admin", scoped=False),
    "organisations.rename_unit": action("admin", scoped=False),
    "organisations.members": action("admin", scoped=False),
    "organisations.delete_unit": action("admin", scoped=False),
    "organisations.upload_logo": action("admin", scoped=False),
    "organisations.set_tokens": action("admin", scoped=False),
    "organisations.theme_file": public(),  # the logo and token CSS every page (public ones too) loads
    "organisations.hand_over_document": action("document.edit"),
    "organisations.hand_over_dossier": action("document.edit"),
    "api.list_organisations": login(scope="read"),  # lists only the organisations the caller holds roles in
    "api.hand_over_document": action("document.edit", scope="edit"),
    "api.hand_over_dossier": action("document.edit", scope="edit"),
    # REST API (Bearer token, or a logged-in browser session)
    "api.openapi": public(),
    "api.create_document": action("document.ingest", scope="ingest", form={"organisation": "{org_code}"}),
    "api.list_documents": login(scope="read"),
    "api.get_document": action("document.read", scope="read"),
    "api.document_file": action("document.read", scope="read"),
    "api.publish_document": action("document.publish", scope="publish"),
    "api.withdraw_document": action("document.publish", scope="publish"),
    "api.correct_document": action("document.publish", scope="publish"),
    "api.get_privacy": action("document.review", scope="review"),
    "api.decide_privacy": action("document.review", scope="review"),
    # public site and harvesting: must never show unpublished content (tests/integration/test_leak.py)
    "public.robots": public(),
    "public.sitemap": public(),
    "public.document_file": public(),
    "public.document_page": public(),
    "public.search": public(),
    "public.atom": public(),
    "oai.endpoint": public(),
    # dossiers (woo/web/dossiers.py): public landing page and inventarislijst, the requester's secret link,
    # and the officer's pages (the dossier's organisation scopes them)
    "dossierpages.page": public(),
    "openbaar.dossiers": public(),  # the open JSON API (woo/web/api_public.py): anonymous, rate-limited
    "openbaar.dossier": public(),
    "openbaar.documents": public(),
    "openbaar.document": public(),
    "dossierpages.inventory_csv": public(),
    "dossierpages.inventory_xlsx": public(),
    "dossierpages.requester": public(),  # 404 unless the secret link is live
    "dossierpages.requester_file": public(),
    "dossiers.index": login(),
    "dossiers.start_import": action("document.ingest", form={"organisation_id": "{org}"}),
    "dossiers.import_page": login(),  # 404 unless the import is of an organisation the user may read
    "dossiers.import_status_json": login(),
    "dossiers.topics": login(),  # shows the lists of the organisations the user may manage
    "dossiers.manage_topic": action("document.ingest", form={"organisation_id": "{org}", "topic": "ACL-onderwerp"}),
    "dossiers.create": action("document.ingest", form={"organisation_id": "{org}", "title": "ACL-dossier",
                                                       "kind": "woo-besluit"}),
    "dossiers.detail": action("document.read"),
    "dossiers.add_document": action("document.ingest"),
    "dossiers.judge": action("document.edit"),
    "dossiers.status": action("document.edit"),
    "dossiers.publish": action("document.publish"),
    "dossiers.withdraw": action("document.publish"),
    "dossiers.open_requester": action("document.publish"),
    "api.list_dossiers": login(scope="read"),
    "api.create_dossier": action("document.ingest", scope="ingest", form={"organisation": "{org_code}"}),
    "api.import_dossier": action("document.ingest", scope="ingest", form={"organisation": "{org_code}"}),
    "api.dossier_import_status": login(scope="read"),  # 404 unless the import is of an organisation the caller may read
    "api.get_dossier": action("document.read", scope="read"),
    "api.judge_dossier": action("document.edit", scope="edit"),
    "api.dossier_status": action("document.edit", scope="edit"),
    "api.publish_dossier": action("document.publish", scope="publish"),
    "api.withdraw_dossier": action("document.publish", scope="publish"),
    # following (woo/web/subscriptions.py, issue 20): Atom per topic, e-mail sign-up, confirm, unsubscribe
    "follow.category_feed": public(),
    "follow.topic_feed": public(),
    "follow.kind_feed": public(),
    "follow.query_feed": public(),
    "follow.follow_page": public(),
    "follow.subscribe": public(),  # CSRF-checked form; creates only a pending request (double opt-in)
    "follow.confirm_page": public(),
    "follow.confirm": public(),
    "follow.unsubscribe_page": public(),
    "follow.unsubscribe": public(),
    # probes for load balancers and Kubernetes (woo/web/health.py): no content, no detail
    "health.live": public(),
    "health.ready": public(),
}

# POST routes authorised by a signed token in their URL, never by the cookie session: a forged request has
# nothing to ride on, and RFC 8058 one-click unsubscribe must work from a mail client without any session.
SIGNED_LINK_POSTS = frozenset({"follow.confirm", "follow.unsubscribe"})
# POST routes that change nothing (the CSRF check skips them; the test proves they change nothing), and the
# signed-link POSTs above.
CSRF_EXEMPT = frozenset({"oai.endpoint"}) | SIGNED_LINK_POSTS  # OAI-PMH 2.0 allows its read-only verbs over POST


def rule_for(endpoint: str) -> Rule | None:
    return RULES.get(endpoint)
