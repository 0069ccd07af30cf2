from django.apps import AppConfig


class PublishingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "cms.publishing"
    verbose_name = "Penerbitan portal"

    def ready(self):
        from . import signals

        signals.connect()
