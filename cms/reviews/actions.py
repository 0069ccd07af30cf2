"""\u201cMasih benar\u201d: an editor confirms that a live service page is still correct, without changing it.

The review date is set on the live row only (a draft in progress stays a draft), the page's
history records who confirmed it (log action `santer.still_correct`), and the portal is brought
up to date through the same incremental publish as a publication.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from wagtail.log_actions import log

from cms.publishing.queue import request_portal_update
from cms.services.models import ServicePage
from cms.services.reviews import today

ACTION = "santer.still_correct"


class NotConfirmable(Exception):
    """Why this user cannot confirm this page (a message for the editor)."""


def check_confirmable(page: ServicePage, user) -> None:
    if not page.permissions_for_user(user).can_edit():
        raise NotConfirmable("Anda tidak memiliki izin memeriksa layanan ini.")
    if not page.live:
        raise NotConfirmable(f"Layanan \u201c{page.title}\u201d belum terbit: terbitkan dulu.")


def confirm_still_correct(page: ServicePage, user) -> date:
    """Record today's review of the live content by `user`; returns the date."""
    check_confirmable(page, user)
    day = today()
    previous = page.last_reviewed
    with transaction.atomic():
        ServicePage.objects.filter(pk=page.pk).update(last_reviewed=day)
        page.last_reviewed = day
        log(
            instance=page,
            action=ACTION,
            user=user,
            data={"reviewed": day.isoformat(), "previous": previous.isoformat() if previous else None},
        )
        if previous != day:
            request_portal_update(f"diperiksa, masih benar: layanan \u00ab{page.title}\u00bb")
    return day
