from django.apps import AppConfig


class DealsConfig(AppConfig):
    name = "deals"
    verbose_name = "成交与结算"
