"""Pages of the enterprise registry: figures."""

from django.urls import path  # noqa: F401

urlpatterns = []
