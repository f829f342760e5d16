"""Endpoints of the policies app: library (being built)."""

from ninja import Router

router = Router(tags=["policies"])
