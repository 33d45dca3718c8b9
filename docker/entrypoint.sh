#!/bin/sh
# `web` (default): migrate the schema, make sure bucket, organisation and a first admin exist, then
# serve with gunicorn. Anything else runs as a command, e.g. `woo worker` or `woo user create ...`.
set -e
if [ "${1:-web}" = "web" ]; then
    woo db upgrade
    python /usr/local/lib/woo/first_start.py
    # GUNICORN_CMD_ARGS (gunicorn's own variable) can override workers, threads, timeouts.
    exec gunicorn --bind 0.0.0.0:8000 --workers 2 --threads 4 --timeout 120 \
        --graceful-timeout 30 --access-logfile - woo.wsgi:app
fi
exec "$@"
