from django.apps import AppConfig


class LineageConfig(AppConfig):
    name = "ensemble.lineage"
    label = "lineage"
    verbose_name = "Lineage"
