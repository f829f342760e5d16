"""Endpoints of the policies app: matching (being built)."""

from ninja import Router

router = Router(tags=["policies"])
