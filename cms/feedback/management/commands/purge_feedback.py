from django.conf import settings
from django.core.management.base import BaseCommand

from cms.feedback.retention import purge_expired_comments


class Command(BaseCommand):
    help = "Menghapus komentar warga yang lebih tua dari FEEDBACK_COMMENT_RETENTION_DAYS hari."

    def handle(self, *args, **options):
        days = settings.FEEDBACK_COMMENT_RETENTION_DAYS
        if days <= 0:
            self.stdout.write("Komentar disimpan tanpa batas waktu (FEEDBACK_COMMENT_RETENTION_DAYS=0).")
            return
        deleted = purge_expired_comments()
        self.stdout.write(f"{deleted} komentar yang lebih tua dari {days} hari dihapus.")
