"""Gunicorn settings shared by both web services (and by the benchmarks)."""

import os

workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("WEB_THREADS", "4"))
worker_class = "gthread"
timeout = 30
graceful_timeout = 20
keepalive = 5
# Our own middleware logs each request (with its request id); no second line.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "warning")


def on_starting(server):
    # /metrics on a port of its own (WEB_METRICS_PORT; common/metrics.py):
    # one more listener beside --bind, on METRICS_BIND_ADDRESS as the workers'.
    metrics_port = int(os.environ.get("WEB_METRICS_PORT") or 0)
    if metrics_port:
        address = os.environ.get("METRICS_BIND_ADDRESS", "127.0.0.1")
        host = f"[{address}]" if ":" in address else address
        server.cfg.set("bind", [*server.cfg.bind, f"{host}:{metrics_port}"])
    # Prometheus' multiprocess mode needs an empty folder per service run.
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        os.makedirs(folder, exist_ok=True)
        for name in os.listdir(folder):
            os.unlink(os.path.join(folder, name))


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
