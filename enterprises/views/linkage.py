"""Pages of the enterprise registry: linkage."""

from django.urls import path  # noqa: F401

urlpatterns = []
