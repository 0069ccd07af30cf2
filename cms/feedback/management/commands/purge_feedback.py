from django.conf import settings
from django.core.management.base import BaseCommand

from cms.feedback import aggregate
from cms.feedback.retention import cutoff, purge_expired_comments


class Command(BaseCommand):
    help = "Menghapus komentar warga yang lebih tua dari FEEDBACK_COMMENT_RETENTION_DAYS hari."

    def handle(self, *args, **options):
        today = aggregate.today()
        if cutoff(today) is None:
            self.stdout.write("Komentar disimpan tanpa batas waktu (FEEDBACK_COMMENT_RETENTION_DAYS=0).")
            return
        deleted = purge_expired_comments(today)
        days = settings.FEEDBACK_COMMENT_RETENTION_DAYS
        self.stdout.write(f"{deleted} komentar yang lebih tua dari {days} hari dihapus.")
