from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "ensemble.demo"
    verbose_name = "Demo community"
