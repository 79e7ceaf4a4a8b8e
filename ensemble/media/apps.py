from django.apps import AppConfig


class MediaConfig(AppConfig):
    name = "ensemble.media"
    label = "media"
    verbose_name = "Media processing"
