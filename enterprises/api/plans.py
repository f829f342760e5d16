"""API of the enterprise registry: plans."""

from ninja import Router

router = Router(tags=["plans"])
