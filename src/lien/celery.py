"""Celery wiring: Redis broker in production, eager execution in the embedded mode and in tests."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lien.settings")

app = Celery("lien")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
