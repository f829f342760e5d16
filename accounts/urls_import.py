from django.urls import path

from accounts import views_import

urlpatterns = [
    path("units/", views_import.import_units, name="import_units"),
    path("users/", views_import.import_users, name="import_users"),
    path("template/<str:kind>/", views_import.import_template, name="import_template"),
]
