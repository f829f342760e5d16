from django.urls import path

from accounts import views_import

urlpatterns = [
    path("units/", views_import.import_units, name="import_units"),
]
