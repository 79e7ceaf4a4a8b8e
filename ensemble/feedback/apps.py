from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "ensemble.feedback"
    label = "feedback"
    verbose_name = "Feedback"
