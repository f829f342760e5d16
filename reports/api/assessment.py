"""Endpoints of the reports app: assessment (being built)."""

from ninja import Router

router = Router(tags=["reports"])
