"""The chains app over HTTP (under /api/v1/chains); each area keeps its own router."""

from ninja import Router

from chains.api import chains, events, market

router = Router()
for area in (chains, market, events):
    router.add_router("/", area.router)
