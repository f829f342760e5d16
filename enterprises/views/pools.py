"""Pages of the enterprise registry: pools."""

from django.urls import path  # noqa: F401

urlpatterns = []
