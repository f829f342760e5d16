"""Endpoints of the reports app: monthly (being built)."""

from ninja import Router

router = Router(tags=["reports"])
