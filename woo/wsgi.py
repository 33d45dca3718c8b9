"""WSGI entry point for gunicorn: `gunicorn woo.wsgi:app` (configuration from the environment)."""
from woo.app import create_app

app = create_app()
