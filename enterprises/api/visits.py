"""API of the enterprise registry: visits."""

from ninja import Router

router = Router(tags=["visits"])
