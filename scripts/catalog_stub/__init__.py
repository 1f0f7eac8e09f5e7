"""A stand-in for the FreeToGame API, which these machines cannot reach.

It speaks the same shape (``GET /games``, ``GET /game?id=N``) over real HTTP,
serves a deterministic generated catalog, and has knobs for latency, errors,
outage, malformed payloads and 429s, plus request counters, so tests can
assert how often the upstream was called. Run it with
``python -m scripts.catalog_stub``. A test double, not part of the games
service: it lives beside the other tools, outside ``games_project``.
"""
