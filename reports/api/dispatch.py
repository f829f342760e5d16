"""Endpoints of the reports app: dispatch (being built)."""

from ninja import Router

router = Router(tags=["reports"])
