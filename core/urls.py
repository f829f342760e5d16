from django.urls import path

from core import calendar_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("calendar/", calendar_views.calendar_year, name="calendar"),
]
