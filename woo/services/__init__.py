"""The use cases. The web UI, the API, the CLI and the rq worker all call these, one path per action."""
