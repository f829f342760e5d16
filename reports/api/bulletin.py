"""Endpoints of the reports app: bulletin (being built)."""

from ninja import Router

router = Router(tags=["reports"])
