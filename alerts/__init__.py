"""Alerts: rules, their evaluation as logs arrive, exactly-once claims, fan-out and notifiers."""

from alerts.engine import AlertEngine

__all__ = ["AlertEngine"]
