"""Publication for national harvesting: DiWoo sitemaps and robots.txt, OAI-PMH, Atom (read-only views)."""
