from django.apps import AppConfig


class RoyaltiesConfig(AppConfig):
    name = "ensemble.royalties"
    label = "royalties"
    verbose_name = "Revenue share"
