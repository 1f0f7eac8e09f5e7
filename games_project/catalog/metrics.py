"""Prometheus counters of the catalog (exported on /metrics by the web process)."""

from prometheus_client import Counter

UPSTREAM_CALLS = Counter(
    "games_upstream_calls_total", "Calls to the external games API, by outcome", ["outcome"]
)
CACHE_RESULTS = Counter(
    "games_cache_results_total", "Catalog cache lookups, by result (hit, miss, stale)", ["result"]
)
