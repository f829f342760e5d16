"""The case lifecycle over HTTP; each area keeps its own router."""

from ninja import Router

from cases.api import actions, callbacks, common, config, imports, indicators, intake, lists

router = Router()
for area in (lists, intake, actions, common, callbacks, config, indicators, imports):
    router.add_router("/", area.router)
