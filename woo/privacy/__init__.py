"""Privacy engine: find personal data in text, list hidden content in files, really redact PDFs.

Pure functions on text and local files; no server, database or network. Page numbers are 1-based
everywhere (what a records officer sees in a PDF viewer).
"""
from woo.privacy.finding import Finding, mask
from woo.privacy.scan import scan_pages, scan_text

__all__ = ["Finding", "mask", "scan_pages", "scan_text"]
