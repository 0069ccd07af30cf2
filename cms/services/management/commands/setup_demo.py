"""python manage.py setup_demo — the demo logins printed by scripts/run.sh (idempotent)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from cms.services.models import OpdPage
from cms.services.setup import ensure_catalogue_setup, ensure_editor_group, ensure_reviewers_group

DEMO_PASSWORD = "santer-demo"
DEMO_EDITOR_OPD = "disdukcapil"


class Command(BaseCommand):
    help = (
        "Membuat pengguna demo: admin, reviewer (Peninjau) dan editor-disdukcapil (kata sandi santer-demo)."
    )

    @transaction.atomic
    def handle(self, **options):
        self.verbose = options["verbosity"] >= 1
        reviewers = ensure_reviewers_group(ensure_catalogue_setup())
        self.user("admin", superuser=True)
        self.user("reviewer", groups=[reviewers])
        opd = OpdPage.objects.filter(slug=DEMO_EDITOR_OPD).first()
        if opd is not None:
            self.user(f"editor-{DEMO_EDITOR_OPD}", groups=[ensure_editor_group(opd)])
        elif self.verbose:
            self.stdout.write(f"OPD '{DEMO_EDITOR_OPD}' belum ada: editor demo tidak dibuat.")

    def user(self, username, superuser=False, groups=()):
        # The password is set only for a new user, so a changed demo password survives a re-run.
        user, created = get_user_model().objects.get_or_create(
            username=username,
            defaults={
                "is_staff": superuser,
                "is_superuser": superuser,
                "email": f"{username}@example.invalid",
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
            if self.verbose:
                self.stdout.write(f"Pengguna demo dibuat: {username} / {DEMO_PASSWORD}")
        user.groups.add(*groups)
        return user
