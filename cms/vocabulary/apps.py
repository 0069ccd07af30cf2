from django.apps import AppConfig
from django.db.models.signals import post_migrate


class VocabularyConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "cms.vocabulary"
    label = "vocabulary"
    verbose_name = "Kosakata pencarian"

    def ready(self):
        from . import signals

        post_migrate.connect(signals.set_up_group, dispatch_uid="santer-vocabulary-group")
