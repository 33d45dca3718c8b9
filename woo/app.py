"""The application factory: configuration, the service context, blueprints, security headers."""
from __future__ import annotations

from flask import Flask

from woo.config import Settings, load_settings
from woo.services.context import Context, build_context


def create_app(settings: Settings | None = None, ctx: Context | None = None) -> Flask:
    settings = settings or (ctx.settings if ctx else load_settings())
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        # Werkzeug stops reading the body past this; a little slack for multipart framing.
        MAX_CONTENT_LENGTH=settings.max_upload_bytes + 1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.base_url.startswith("https://"),
        WOO_SETTINGS=settings,
    )
    app.extensions["woo"] = ctx or build_context(settings)

    from woo.web import api, auth, errors, officer, public, review, security

    from woo.web import params; params.init_app(app)  # noqa: E702 bounded <int:...> before any route is added
    security.init_app(app)
    errors.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(officer.bp)
    app.register_blueprint(review.bp)
    app.register_blueprint(api.bp)
    from woo.web import metadata; app.register_blueprint(metadata.bp)  # noqa: E702 describe documents
    from woo.web import retention; app.register_blueprint(retention.bp)  # noqa: E702 archivists
    from woo.web import oidc; app.register_blueprint(oidc.bp)  # noqa: E702 single sign-on (when configured)
    from woo.web import admin; app.register_blueprint(admin.bp)  # noqa: E702 users and API tokens
    from woo.web import labels, workbench; app.register_blueprint(workbench.bp); labels.init_app(app)  # noqa: E702
    from woo.web import theme; theme.init_app(app)  # noqa: E702 NL Design System theme per organisation
    from woo.web import dossiers; dossiers.init_app(app)  # noqa: E702 dossiers (issue 13)
    from woo.web import api_public; app.register_blueprint(api_public.bp)  # noqa: E702 open JSON API (anonymous)
    from woo.web import dashboard; app.register_blueprint(dashboard.bp)  # noqa: E702 compliance (issue 20)
    from woo.web import sources as source_pages; app.register_blueprint(source_pages.bp)  # noqa: E702 issue 16
    from woo.web import health; app.register_blueprint(health.bp)  # noqa: E702 probes (/healthz, /readyz)
    from woo.web import organisations as org_pages; app.register_blueprint(org_pages.bp)  # noqa: E702 issue 14
    from woo.web import subscriptions; subscriptions.init_app(app)  # noqa: E702 feeds and e-mail (issue 20)
    public.init_app(app)
    if settings.proxy_hops:  # outermost, so every layer (the harvest fast path too) sees the client's request
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = settings.proxy_hops
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    return app


def context(app: Flask | None = None) -> Context:
    from flask import current_app

    return (app or current_app).extensions["woo"]
