"""Pages of the enterprise registry: imports."""

from django.urls import path  # noqa: F401

urlpatterns = []
