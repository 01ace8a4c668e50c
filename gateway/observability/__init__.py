"""Seeing the gateway run: Prometheus metrics, health and readiness checks, structured logs.

No web framework here: `gateway/api/observability.py` serves what these modules produce.
"""
