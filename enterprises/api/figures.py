"""API of the enterprise registry: figures."""

from ninja import Router

router = Router(tags=["figures"])
