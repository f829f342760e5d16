"""Endpoints of the policies app: public (being built)."""

from ninja import Router

router = Router(tags=["policies"])
