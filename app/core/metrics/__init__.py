"""Prometheus metrics: request latency per endpoint (observed per request, no query), and gauges read from Braid's
own database when /metrics is scraped (the job ledger, the audit trail's sealing, checkpoints and verification).

prometheus-client does the work, in its multiprocess mode under gunicorn (PROMETHEUS_MULTIPROC_DIR, set by
deploy/gunicorn.conf.py through app.serving). No label holds a path, an id or anything typed: the endpoint's name.
"""
