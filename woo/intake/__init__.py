"""Intake of files: identification, safe unpacking and text extraction (pure functions on local files).

Nothing here talks to a server, the database or S3: the ingest service, the rq worker and the CLIs
call these on a file that is already on local disk.
"""
