from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class ConfigConfig(AppConfig):
    """The composition root, installed for its project-wide commands (worker,
    seed_demo)."""

    name = "config"
    verbose_name = "项目"


class ExchangeAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with the exchange's own site (header, pending counts)."""

    default = False  # ConfigConfig stays this module's app config

    default_site = "config.admin_site.ExchangeAdminSite"
