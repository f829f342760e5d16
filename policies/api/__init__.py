"""The policies app over HTTP (under /api/v1/policies); each area keeps its own router."""

from ninja import Router

from policies.api import grants, library, matching, public

router = Router()
for area in (library, public, matching, grants):
    router.add_router("/", area.router)
