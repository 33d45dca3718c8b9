"""Connectors: read documents from the systems where they already live.

Each connector speaks one remote contract (OpenBesluitvorming's NDJSON export, the ZGW Documenten
API) and turns what it reads into the plain records of `base`; the sync service
(`woo.services.sources`) stores them, downloads the files into woo's own storage and sends them
through the normal journey. Connectors do no database work and never import services.
"""
