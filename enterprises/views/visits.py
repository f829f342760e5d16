"""Pages of the enterprise registry: visits."""

from django.urls import path  # noqa: F401

urlpatterns = []
