""" "Apakah informasi ini membantu?": the endpoint every service page's form posts to.

The form (themes/santer/templates/service.html, <form data-feedback>) is a plain HTML form: without
JavaScript the browser posts it and follows the 303 to the service's static thank-you page on the
portal; the portal's script posts the same fields with `Accept: application/json` and gets 204 (or
the error as JSON) to thank the citizen in place. The same safety as the search reports
(views.py): the rate limit first (django-ratelimit, per client address, never stored), then the
body size (413), then strict fields (400, the reason in Indonesian), then a honeypot field a person
never sees (filled: answered as if stored, nothing stored). The comment is scrubbed like a query
(scrub.py) and stored as plain text. No session, no cookie; nothing about the sender is kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from catalogue import urls

from . import aggregate, retention
from .models import PageComment, PageFeedbackDay
from .scrub import clean_comment
from .views import bounded_body, limited

MAX_COMMENT_CHARS = 500
# 500 characters, each up to 4 bytes of UTF-8 and percent-encoded (×3), and the other fields.
MAX_BODY_BYTES = 8192
FIELDS = ("service", "helpful", "comment")
HONEYPOT = "website"  # hidden from people by the theme's CSS; bots fill it in
ANSWERS = {"ya": True, "tidak": False}
FORM_TYPE = "application/x-www-form-urlencoded"
SERVICE_ID_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")  # a catalogue service id


class Refused(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Answer:
    service: str
    helpful: bool
    comment: str
    spam: bool


def parse(content_type: str, body: bytes) -> Answer:
    """The form's fields, checked; raises Refused with the reason in Indonesian."""
    if content_type.split(";")[0].strip().lower() != FORM_TYPE:
        raise Refused(400, f"Kirim masukan sebagai formulir biasa ({FORM_TYPE}).")
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(body))
    except (UnicodeDecodeError, ValueError):
        raise Refused(400, "Isi permintaan bukan formulir yang valid (UTF-8).") from None
    fields: dict[str, str] = {}
    for name, value in pairs:
        if name not in (*FIELDS, HONEYPOT):
            raise Refused(400, f"Kolom '{name}' tidak dikenal; yang diterima: {', '.join(FIELDS)}.")
        if name in fields:
            raise Refused(400, f"Kolom '{name}' dikirim lebih dari sekali.")
        fields[name] = value
    helpful = fields.get("helpful", "")
    if helpful not in ANSWERS:
        raise Refused(400, "Kolom 'helpful' harus berisi 'ya' atau 'tidak'.")
    comment = fields.get("comment", "").replace("\r\n", "\n")
    if len(comment) > MAX_COMMENT_CHARS:
        raise Refused(
            400, f"Kolom 'comment' paling banyak {MAX_COMMENT_CHARS} karakter (terkirim {len(comment)})."
        )
    service = fields.get("service", "")
    if not service:
        raise Refused(400, "Kolom 'service' (ID layanan) wajib diisi.")
    if len(service) > 100 or not SERVICE_ID_RE.fullmatch(service):
        raise Refused(400, "Kolom 'service' bukan ID layanan (huruf kecil, angka dan tanda hubung).")
    return Answer(service, ANSWERS[helpful], comment, spam=bool(fields.get(HONEYPOT, "").strip()))


def published_service(service_id: str) -> bool:
    from cms.services.models import ServicePage

    return ServicePage.objects.live().filter(slug=service_id).exists()


def store(answer: Answer) -> None:
    day = aggregate.today()
    counter = "helpful" if answer.helpful else "not_helpful"
    with transaction.atomic():
        try:
            with transaction.atomic():
                row, _ = PageFeedbackDay.objects.get_or_create(day=day, service=answer.service)
        except IntegrityError:  # another process created the day's row first
            row = PageFeedbackDay.objects.get(day=day, service=answer.service)
        PageFeedbackDay.objects.filter(pk=row.pk).update(**{counter: F(counter) + 1})
        text = clean_comment(answer.comment)
        if text:
            PageComment.objects.create(day=day, service=answer.service, helpful=answer.helpful, text=text)
    retention.purge_once_a_day()


def thanks_url(service_id: str) -> str:
    """The service page's thank-you note on the portal: on this host when the form posts here."""
    path = urls.feedback_thanks(service_id)
    return path if settings.FEEDBACK_URL.startswith("/") else settings.SITE_URL + path


def wants_json(request) -> bool:
    return "application/json" in request.META.get("HTTP_ACCEPT", "")


def refusal(request, status: int, message: str, service: str = "") -> HttpResponse:
    if wants_json(request):
        response = JsonResponse({"error": message}, status=status)
    else:  # a citizen whose browser posted the form itself: a page, with the way back
        back = ""
        if service and published_service(service):
            back = urls.service(service)
            if not settings.FEEDBACK_URL.startswith("/"):
                back = settings.SITE_URL + back
        page = render_to_string("feedback/refused.html", {"message": message, "back": back})
        response = HttpResponse(page, status=status, content_type="text/html; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return response


@csrf_exempt  # no session, no cookie: nothing a forged request could abuse
@require_POST
def page_feedback(request):
    if limited(request, "page-feedback", settings.FEEDBACK_RATE):
        return refusal(request, 429, "Terlalu banyak masukan dari alamat Anda; coba lagi sebentar lagi.")
    body = bounded_body(request, MAX_BODY_BYTES)
    if len(body) > MAX_BODY_BYTES:
        return refusal(request, 413, f"Isi permintaan terlalu besar (paling banyak {MAX_BODY_BYTES} bita).")
    try:
        answer = parse(request.META.get("CONTENT_TYPE", ""), body)
    except Refused as exc:
        return refusal(request, exc.status, exc.message)
    if not answer.spam:
        if not published_service(answer.service):
            return refusal(request, 400, f"Layanan '{answer.service}' tidak ada di portal.")
        store(answer)
    if wants_json(request):
        response = HttpResponse(status=204)
    else:
        response = HttpResponse(status=303)
        response["Location"] = thanks_url(answer.service)
    response["Cache-Control"] = "no-store"
    return response
