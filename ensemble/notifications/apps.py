from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "ensemble.notifications"
    label = "notifications"
    verbose_name = "Notifications"
