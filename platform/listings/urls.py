from django.urls import re_path

from . import views

app_name = "listings"
urlpatterns = [
    re_path(
        r"^import-templates/(?P<type>PATENT|ACHIEVEMENT)\.xlsx$",
        views.import_template,
        name="import_template",
    ),
]
