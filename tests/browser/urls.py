"""The project's URLs plus the admin's static files, which the project serves only with
DEBUG on (in production nothing in the repo serves them yet: see the admin browser test)."""

from django.contrib.staticfiles.views import serve
from django.urls import re_path

from config.urls import urlpatterns as project_urlpatterns

urlpatterns = [
    *project_urlpatterns,
    re_path(r"^static/(?P<path>.*)$", serve, {"insecure": True}),
]
