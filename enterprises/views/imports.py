"""Pages of the registry's Excel imports, beside the units and users imports under /office/import/: one page
per kind (enterprises, operating data, linkage, visits) and one template download for the four. The page is
accounts.views_import.import_page; the checks and writes are enterprises.imports and .services.imports."""

from django.http import Http404
from django.urls import path

from accounts.models import Role
from accounts.views_import import import_page, template_response
from core.permissions import role_required
from enterprises import imports
from enterprises.services.imports import IMPORTERS

TEMPLATE_NAME = "enterprises/imports/import.html"
TEMPLATE_FILENAMES = {
    imports.ENTERPRISES: "企业导入模板.xlsx",
    imports.FIGURES: "运营数据导入模板.xlsx",
    imports.LINKAGES: "包联导入模板.xlsx",
    imports.VISITS: "走访导入模板.xlsx",
}


def _page(kind: str):
    @role_required(Role.OFFICE)
    def view(request):
        return import_page(request, imports.SPECS[kind], IMPORTERS[kind], TEMPLATE_NAME)

    view.__name__ = f"import_{kind}"
    return view


import_enterprises = _page(imports.ENTERPRISES)
import_figures = _page(imports.FIGURES)
import_linkages = _page(imports.LINKAGES)
import_visits = _page(imports.VISITS)


@role_required(Role.OFFICE)
def import_registry_template(request, kind):
    if kind not in imports.SPECS:
        raise Http404
    return template_response(imports.SPECS[kind], TEMPLATE_FILENAMES[kind])


urlpatterns = [
    path("office/import/enterprises/", import_enterprises, name="import_enterprises"),
    path("office/import/figures/", import_figures, name="import_figures"),
    path("office/import/linkages/", import_linkages, name="import_linkages"),
    path("office/import/visits/", import_visits, name="import_visits"),
    path("office/import/<str:kind>/template/", import_registry_template, name="import_registry_template"),
]
