from django.urls import path

from lien.ops import views

app_name = "ops"

urlpatterns = [
    path("metriques/", views.metrics_view, name="metrics"),
]
