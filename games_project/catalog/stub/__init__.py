"""A stand-in for the FreeToGame API, which these machines cannot reach.

It speaks the same shape (``GET /games``, ``GET /game?id=N``) over real HTTP,
serves a deterministic generated catalog, and has knobs for latency, errors,
outage, malformed payloads and 429s, plus request counters, so tests can
assert how often the upstream was called. Run it with
``manage_games.py run_catalog_stub``.
"""
