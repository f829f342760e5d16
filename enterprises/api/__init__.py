"""The registry's API under /api/v1/: one router per area, mounted together."""

from ninja import Router

from enterprises.api import figures, imports, linkage, plans, pools, registry, visits

router = Router()
for area in (registry, figures, pools, linkage, visits, plans, imports):
    router.add_router("", area.router)
