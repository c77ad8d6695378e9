"""Lien's URLs and a trivial page, so that admission tests do not depend on other apps' pages."""

from django.http import HttpResponse
from django.urls import include, path


def trivial_page(request):
    return HttpResponse("<p>Page</p>")


urlpatterns = [
    path("essai/", trivial_page, name="admission-test-page"),
    path("", include("lien.urls")),
]
