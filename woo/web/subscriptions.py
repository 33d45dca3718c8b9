"""Following on the public side (no account): Atom feeds per category, onderwerp, dossier kind and search
query, and e-mail digests with double opt-in and one-click unsubscribe (woo.services.subscriptions).

The confirmation and unsubscribe POSTs are authorised by the signed token in their URL, not by a cookie, so
they need no CSRF token (woo.web.acl.SIGNED_LINK_POSTS): RFC 8058 mail clients POST
``List-Unsubscribe=One-Click`` to that URL without any session. Their GETs only show a page with a button
(a link scanner that follows every link changes nothing).
"""
from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, Response, abort, render_template, request, url_for

from woo.app import context
from woo.domain import subscriptions as rules
from woo.domain import tooi
from woo.domain.dossiers import KIND_LABELS_NL, Kind
from woo.services import subscriptions as svc
from woo.web import harvest

bp = Blueprint("follow", __name__)


def _site():
    from woo.web.public import current_site

    return current_site()


@bp.after_request
def _gzip(resp):
    # only the feeds: the form pages carry a CSRF token and are never compressed (BREACH)
    if resp.mimetype == "application/atom+xml":
        return harvest.gzip_response(request, resp)
    return resp


# --------------------------------------------------------------------------- Atom feeds

def _feed(topic: rules.Topic, alternate: str) -> Response:
    site = _site()
    feed_url = site.base_url + request.full_path.rstrip("?")
    body = svc.feed(context(), site.base_url, site.organisation_ids, topic, feed_url, site.base_url + alternate)
    resp = Response(body, mimetype="application/atom+xml")
    resp.headers["Cache-Control"] = "public, max-age=300"
    return resp


def _topic_or_404(kind: str, value: str | None, category: str | None = None) -> rules.Topic:
    try:
        return rules.parse_topic(kind, value, category)
    except rules.SubscriptionError as exc:
        abort(404, description=str(exc))


@bp.route("/publicaties/feed/categorie/<code>.atom")
def category_feed(code: str):
    topic = _topic_or_404("categorie", code)
    return _feed(topic, url_for("public.search", categorie=code))


@bp.route("/publicaties/feed/onderwerp/<path:name>.atom")
def topic_feed(name: str):
    topic = _topic_or_404("onderwerp", name)
    return _feed(topic, url_for("public.search", q=topic.value))


@bp.route("/publicaties/feed/soort/<kind>.atom")
def kind_feed(kind: str):
    topic = _topic_or_404("soort", kind)
    return _feed(topic, url_for("public.search"))


@bp.route("/publicaties/feed/zoeken.atom")
def query_feed():
    topic = _topic_or_404("zoekvraag", request.args.get("q"), request.args.get("categorie") or None)
    return _feed(topic, url_for("public.search", **{k: v for k, v in (
        ("q", topic.value), ("categorie", request.args.get("categorie"))) if v}))


def feed_url_for(topic: rules.Topic) -> str:
    if topic.kind == rules.Follow.CATEGORIE:
        c = tooi.category_by_uri(topic.value)
        return url_for("follow.category_feed", code=c.sitemapindex_code or c.slug)
    if topic.kind == rules.Follow.ONDERWERP:
        return url_for("follow.topic_feed", name=topic.value)
    if topic.kind == rules.Follow.SOORT:
        return url_for("follow.kind_feed", kind=topic.value)
    args = {"q": topic.value} if topic.value else {}
    if topic.category:
        c = tooi.category_by_uri(topic.category)
        args["categorie"] = c.sitemapindex_code or c.slug
    return url_for("follow.query_feed") + ("?" + urlencode(args) if args else "")


# --------------------------------------------------------------------------- e-mail: subscribe

def _form_topic() -> tuple[rules.Topic | None, str | None]:
    src = request.form if request.method == "POST" else request.args
    kind = src.get("volg")
    if not kind:
        return None, None
    value = src.get("waarde") or src.get("q")
    if kind == "categorie":
        value = src.get("waarde") or src.get("categorie")
        category = None
    else:
        category = src.get("categorie") or None
    try:
        return rules.parse_topic(kind, value, category), None
    except rules.SubscriptionError as exc:
        return None, str(exc)


def _form(topic, error=None, status=200, address_given=False):
    return render_template("public/follow.html", topic=topic, error=error, address_given=address_given,
                           feed=feed_url_for(topic) if topic else None, categories=tooi.woo_categories(),
                           kinds=[(k.value, KIND_LABELS_NL[k]) for k in Kind],
                           frequency=request.form.get("frequentie", "weekly")), status


@bp.route("/volgen")
def follow_page():
    topic, error = _form_topic()
    return _form(topic, error)


@bp.route("/volgen", methods=["POST"])
def subscribe():
    topic, error = _form_topic()
    if topic is None:
        return _form(None, error or "Kies wat u wilt volgen.", 400)
    site = _site()
    try:
        svc.request(context(), site.base_url, site.organisation_ids, request.form.get("email", ""), topic,
                    request.form.get("frequentie", ""), client=request.remote_addr)
    except svc.SubscriptionLimited as exc:
        return _form(topic, str(exc), 429)
    except rules.SubscriptionError as exc:
        return _form(topic, str(exc), 400)
    return render_template("public/follow_message.html", heading="Controleer uw e-mail",
                           message="Als het adres klopt, krijgt u binnen enkele minuten een e-mail met een link. "
                                   "Pas als u op die link klikt, gaat uw abonnement in. De link is "
                                   f"{rules.CONFIRM_HOURS} uur geldig.", action=None)


# --------------------------------------------------------------------------- confirm and unsubscribe

def _message(heading, message, status=200, action=None, button=None, described=None):
    return render_template("public/follow_message.html", heading=heading, message=message, action=action,
                           button=button, described=described), status


@bp.route("/volgen/bevestigen/<token>")
def confirm_page(token: str):
    try:
        d = svc.check_confirm(context(), token)
    except rules.SubscriptionError as exc:
        return _message("Link niet geldig", str(exc), 400)
    if d.status == rules.ACTIVE:
        return _message("Aanmelding bevestigd", f"U volgt {d.topic.label} ({d.frequency_nl}).", described=d)
    return _message("Bevestig uw aanmelding", f"U wilt {d.frequency_nl} e-mail over {d.topic.label}.",
                    action=url_for("follow.confirm", token=token), button="Aanmelding bevestigen", described=d)


@bp.route("/volgen/bevestigen/<token>", methods=["POST"])
def confirm(token: str):
    try:
        d = svc.confirm(context(), token)
    except rules.SubscriptionError as exc:
        return _message("Link niet geldig", str(exc), 400)
    return _message("Aanmelding bevestigd", f"U volgt nu {d.topic.label}. U krijgt {d.frequency_nl} een e-mail "
                    "als er iets nieuws is gepubliceerd; onderaan elke e-mail kunt u zich met één klik afmelden.",
                    described=d)


@bp.route("/volgen/afmelden/<token>")
def unsubscribe_page(token: str):
    try:
        d = svc.check_unsubscribe(context(), token)
    except rules.SubscriptionError as exc:
        return _message("Link niet geldig", str(exc), 400)
    if d.status == rules.UNSUBSCRIBED:
        return _message("Afgemeld", f"U bent afgemeld voor {d.topic.label}.")
    return _message("Afmelden", f"Wilt u geen e-mail meer over {d.topic.label}?",
                    action=url_for("follow.unsubscribe", token=token), button="Afmelden")


@bp.route("/volgen/afmelden/<token>", methods=["POST"])
def unsubscribe(token: str):
    """RFC 8058 one-click: works without login, cookie or CSRF token (the signed token is the authority)."""
    try:
        d = svc.unsubscribe(context(), token)
    except rules.SubscriptionError as exc:
        return _message("Link niet geldig", str(exc), 400)
    return _message("Afgemeld", f"U bent afgemeld voor {d.topic.label}. U krijgt hierover geen e-mail meer.")


def init_app(app) -> None:
    app.register_blueprint(bp)
