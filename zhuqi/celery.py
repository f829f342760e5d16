"""Celery application.

With no broker configured (the embedded default) tasks run in-process, so a county box needs no extra
service; set CELERY_BROKER_URL (Redis) to scale out.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhuqi.settings")

app = Celery("zhuqi")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
