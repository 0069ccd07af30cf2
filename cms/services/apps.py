from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate, post_save


class ServicesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "cms.services"
    label = "services"
    verbose_name = "Katalog layanan"

    def ready(self):
        from wagtail.signals import page_published, post_page_move

        from . import reviews, signals
        from .models import OpdEditorGroup, OpdPage

        post_migrate.connect(signals.set_up_catalogue, dispatch_uid="santer-catalogue-setup")
        post_save.connect(signals.opd_saved, sender=OpdPage, dispatch_uid="santer-opd-editor-group")
        post_delete.connect(
            signals.opd_link_deleted, sender=OpdEditorGroup, dispatch_uid="santer-opd-editor-group-gone"
        )
        page_published.connect(reviews.stamp_review_on_publish, dispatch_uid="santer-review-on-publish")
        post_page_move.connect(signals.service_moved, dispatch_uid="santer-service-moved-responsible")
