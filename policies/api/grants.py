"""Endpoints of the policies app: grants (being built)."""

from ninja import Router

router = Router(tags=["policies"])
