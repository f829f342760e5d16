"""The reports app over HTTP (under /api/v1/reports); each area keeps its own router."""

from ninja import Router

from reports.api import assessment, bulletin, dashboard, dispatch, monthly

router = Router()
for area in (dashboard, monthly, dispatch, bulletin, assessment):
    router.add_router("/", area.router)
