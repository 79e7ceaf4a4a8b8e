from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "ensemble.records"
    label = "records"
    verbose_name = "Records"
