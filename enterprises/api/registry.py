"""API of the enterprise registry: registry."""

from ninja import Router

router = Router(tags=["registry"])
