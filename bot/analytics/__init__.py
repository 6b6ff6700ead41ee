"""Support analytics: the recorder of events, the per-process Prometheus
metrics, the report derived from the daily totals, its API and dashboard.
"""
