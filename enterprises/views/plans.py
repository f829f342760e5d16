"""Pages of the enterprise registry: plans."""

from django.urls import path  # noqa: F401

urlpatterns = []
