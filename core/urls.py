from django.urls import path

from core import calendar_views, views, views_notifications

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("calendar/", calendar_views.calendar_year, name="calendar"),
    path("notifications/", views_notifications.notification_list, name="notification_list"),
    path("notifications/<int:pk>/open/", views_notifications.notification_open, name="notification_open"),
    path("notifications/read-all/", views_notifications.notification_read_all, name="notification_read_all"),
]
