"""The case lifecycle over HTTP; each area keeps its own router."""

from ninja import Router

from cases.api import actions, callbacks, common, config, imports, indicators, intake, lists, smart

router = Router()
for area in (lists, intake, actions, common, callbacks, config, indicators, imports, smart):
    router.add_router("/", area.router)
