from django.apps import AppConfig


class ProductionsConfig(AppConfig):
    name = "ensemble.productions"
    label = "productions"
    verbose_name = "Productions"
