from django.urls import path

from lien.usage import views

app_name = "usage"

urlpatterns = [
    path("", views.statistics, name="statistics"),
    path("export/", views.export_statistics, name="export-statistics"),
]
