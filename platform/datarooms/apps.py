from django.apps import AppConfig


class DataRoomsConfig(AppConfig):
    name = "datarooms"
    verbose_name = "数据室"
