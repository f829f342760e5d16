from django.urls import path

from accounts import views_import

# The registry's import pages (enterprises, operating data, linkage, visits) live under the same
# /office/import/ prefix in enterprises.views.imports.
urlpatterns = [
    path("", views_import.import_index, name="import_index"),
    path("units/", views_import.import_units, name="import_units"),
    path("users/", views_import.import_users, name="import_users"),
    path("template/<str:kind>/", views_import.import_template, name="import_template"),
]
