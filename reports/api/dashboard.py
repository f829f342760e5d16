"""Endpoints of the reports app: dashboard (being built)."""

from ninja import Router

router = Router(tags=["reports"])
