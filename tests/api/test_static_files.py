"""The admin's CSS and JS are served as deployed: DEBUG off, from STATIC_ROOT."""

from django.core.management import call_command
from django.test import Client


def test_the_admin_stylesheet_is_served_with_debug_off(settings, tmp_path):
    settings.DEBUG = False
    settings.STATIC_ROOT = tmp_path / "static"
    call_command("collectstatic", interactive=False, verbosity=0)

    response = Client().get("/static/admin/css/base.css")

    assert response.status_code == 200
    assert b"".join(response.streaming_content).strip()
