"""API of the enterprise registry: linkage."""

from ninja import Router

router = Router(tags=["linkage"])
