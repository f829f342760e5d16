from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from zhuqi.api import api

admin.site.site_header = "助企 Zhuqi"
admin.site.site_title = "助企 Zhuqi"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("accounts.urls")),
    path("", include("core.urls")),
    path("", include("enterprises.urls")),
    path("", include("cases.urls")),
    path("", include("reports.urls")),
    path("", include("policies.urls")),
    path("", include("chains.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
