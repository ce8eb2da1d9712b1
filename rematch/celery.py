import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rematch.settings")

app = Celery("rematch")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# core is a plain package, not an app: its mail task is registered here.
app.autodiscover_tasks(["core"], related_name="mail")
