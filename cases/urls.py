"""The case lifecycle's pages; each area's view module keeps its own urlpatterns."""

from cases.views import callbacks, common, config, detail, indicators, intake, lists, smart

urlpatterns = [
    *lists.urlpatterns,
    *intake.urlpatterns,
    *detail.urlpatterns,
    *common.urlpatterns,
    *callbacks.urlpatterns,
    *config.urlpatterns,
    *indicators.urlpatterns,
    *smart.urlpatterns,
]
