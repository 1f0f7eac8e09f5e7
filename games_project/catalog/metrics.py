"""Prometheus counters of the catalog (exported on /metrics by the web process)."""

from prometheus_client import Counter, Gauge

UPSTREAM_CALLS = Counter(
    "games_upstream_calls_total", "Calls to the external games API, by outcome", ["outcome"]
)
CACHE_RESULTS = Counter(
    "games_cache_results_total", "Catalog cache lookups, by result (hit, miss, stale)", ["result"]
)
BREAKER_OPEN = Gauge(
    "games_upstream_breaker_open",
    "1 while the circuit breaker to the games API is open or half-open",
    multiprocess_mode="max",
)
