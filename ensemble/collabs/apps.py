from django.apps import AppConfig


class CollabsConfig(AppConfig):
    name = "ensemble.collabs"
    label = "collabs"
    verbose_name = "Collaborations"
