"""API of the enterprise registry: imports."""

from ninja import Router

router = Router(tags=["imports"])
