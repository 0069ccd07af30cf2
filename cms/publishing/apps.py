from django.apps import AppConfig


class PublishingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "cms.publishing"
    verbose_name = "Penerbitan portal"

    def ready(self):
        from django.db.models.signals import post_save
        from wagtail.models import PageLogEntry

        from . import audit, signals

        signals.connect()
        post_save.connect(
            audit.remember_opd_of_deleted_page, sender=PageLogEntry, dispatch_uid="publishing.audit.deleted"
        )
