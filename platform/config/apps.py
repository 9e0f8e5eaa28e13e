from django.apps import AppConfig


class ConfigConfig(AppConfig):
    """The composition root, installed for its project-wide commands (worker,
    seed_demo)."""

    name = "config"
    verbose_name = "项目"
