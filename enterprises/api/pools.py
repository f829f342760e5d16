"""API of the enterprise registry: pools."""

from ninja import Router

router = Router(tags=["pools"])
