"""The city's search vocabulary as Wagtail snippets: synonym sets, old names, English terms,
colloquial rewrites, and best bets.

The record definitions are catalogue.SearchTerm and catalogue.BestBet; these models hold them
in the CMS with revisions and a draft/live state, so the live row is what the portal uses and an
editor's unpublished draft is not. `clean()` applies the record's own checks (the same messages
as an import) plus what only the CMS knows: existing sets and which services are live.
"""

from __future__ import annotations

import re

from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.text import slugify
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.models import DraftStateMixin, RevisionMixin

from catalogue import BestBet, RecordError, SearchTerm
from catalogue.records import MAX_TERM_LENGTH

KIND_CHOICES = [
    ("sinonim", "Set sinonim (semua istilah bermakna sama)"),
    ("nama-lama", "Nama lama → nama sekarang"),
    ("inggris", "Bahasa Inggris → bahasa Indonesia"),
    ("percakapan", "Kata percakapan → kata baku (ditulis ulang di kueri)"),
]
TERM_SPLIT_RE = re.compile(r"[,\n]")


def split_terms(text: str) -> list[str]:
    """Terms typed one per line or separated by commas."""
    return [t.strip() for t in TERM_SPLIT_RE.split(text or "") if t.strip()]


def _unique_slug(model, base: str, pk) -> str:
    base = (slugify(base)[:60].strip("-")) or "entri"
    slug, n = base, 2
    while model.objects.filter(slug=slug).exclude(pk=pk).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def _record_error_to_validation(exc: RecordError, field_names: dict[str, str]) -> ValidationError:
    return ValidationError({field_names.get(exc.field, "__all__"): exc.message})


class SearchTermEntry(DraftStateMixin, RevisionMixin, models.Model):
    kind = models.CharField("jenis", max_length=20, choices=KIND_CHOICES, default="sinonim")
    terms = models.TextField(
        "istilah",
        help_text=f"Satu istilah per baris atau dipisah koma, paling panjang {MAX_TERM_LENGTH} karakter.",
    )
    means = models.TextField(
        "bermakna",
        blank=True,
        help_text=(
            "Untuk nama lama, bahasa Inggris dan kata percakapan: istilah tujuan. Kosong untuk set sinonim."
        ),
    )
    note = models.TextField("catatan (mengapa)", blank=True)
    slug = models.SlugField("kode", max_length=80, unique=True, blank=True, help_text="Dibuat otomatis.")
    _revisions = GenericRelation("wagtailcore.Revision", related_query_name="search_term_entry")

    panels = [
        FieldPanel("kind"),
        FieldPanel("terms"),
        FieldPanel("means"),
        FieldPanel("note"),
        MultiFieldPanel([FieldPanel("slug")], heading="Lanjutan"),
    ]

    class Meta:
        verbose_name = "istilah pencarian"
        verbose_name_plural = "istilah pencarian"
        ordering = ["slug"]

    def __str__(self) -> str:
        return ", ".join(split_terms(self.terms)[:4]) or self.slug

    @property
    def revisions(self):
        return self._revisions

    def to_record(self) -> SearchTerm:
        return SearchTerm.from_dict(
            {
                "slug": self.slug or "entri-baru",  # a new, still empty entry has no slug yet
                "kind": self.kind,
                "terms": split_terms(self.terms),
                "means": split_terms(self.means),
                "note": self.note.strip(),
            },
            f"search/terms/{self.slug}.json",
        )

    def clean(self) -> None:
        super().clean()
        terms = split_terms(self.terms)
        if not self.slug and terms:
            self.slug = _unique_slug(SearchTermEntry, terms[0], self.pk)
        try:
            record = self.to_record()
        except RecordError as exc:
            raise _record_error_to_validation(
                exc, {"terms": "terms", "means": "means", "kind": "kind"}
            ) from exc
        if record.kind == "sinonim":
            check_merge(record, exclude_pk=self.pk)


def check_merge(record: SearchTerm, exclude_pk=None) -> None:
    """Refuse a synonym set that would join two or more existing sets into one giant set."""
    from search.analysis import base_dictionary, dictionary_version, words_key

    mine = {words_key(t) for t in record.terms}
    sets: dict[str, set[str]] = {}
    for rule in base_dictionary(dictionary_version()).rules:
        if rule.equivalent:
            sets.setdefault(f"kamus dasar «{rule.aliases[0]}»", set()).update(
                words_key(t) for t in rule.aliases
            )
    others = SearchTermEntry.objects.filter(live=True, kind="sinonim").exclude(pk=exclude_pk)
    for entry in others:
        sets[f"«{entry}»"] = {words_key(t) for t in split_terms(entry.terms)}
    # overriding a base set (same first term) replaces it rather than joining it
    first = words_key(record.terms[0])
    touched = {
        name: terms
        for name, terms in sets.items()
        if terms & mine
        and not (name.startswith("kamus dasar") and first in terms and name.endswith(f"«{record.terms[0]}»"))
    }
    if len(touched) >= 2:
        merged = set().union(mine, *touched.values())
        names = ", ".join(sorted(touched)[:4])
        raise ValidationError(
            {
                "terms": (
                    f"Set ini akan menggabungkan {len(touched)} set yang sudah ada ({names}) menjadi satu "
                    f"set berisi {len(merged)} istilah. Pisahkan menjadi set yang lebih kecil atau ubah "
                    "set yang ada."
                )
            }
        )


class BestBetEntry(DraftStateMixin, RevisionMixin, models.Model):
    query = models.CharField("kueri", max_length=MAX_TERM_LENGTH, help_text="Kata yang diketik warga.")
    service_1 = models.ForeignKey(
        "services.ServicePage",
        verbose_name="layanan 1",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    service_2 = models.ForeignKey(
        "services.ServicePage",
        verbose_name="layanan 2",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    service_3 = models.ForeignKey(
        "services.ServicePage",
        verbose_name="layanan 3",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    expires = models.DateField("berlaku sampai", null=True, blank=True, help_text="Kosong: tanpa batas.")
    note = models.TextField("catatan (mengapa)", blank=True)
    slug = models.SlugField("kode", max_length=80, unique=True, blank=True, help_text="Dibuat otomatis.")
    _revisions = GenericRelation("wagtailcore.Revision", related_query_name="best_bet_entry")

    panels = [
        FieldPanel("query"),
        FieldPanel("service_1"),
        FieldPanel("service_2"),
        FieldPanel("service_3"),
        FieldPanel("expires"),
        FieldPanel("note"),
        MultiFieldPanel([FieldPanel("slug")], heading="Lanjutan"),
    ]

    class Meta:
        verbose_name = "hasil unggulan"
        verbose_name_plural = "hasil unggulan"
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.query

    @property
    def revisions(self):
        return self._revisions

    def services(self) -> list:
        return [s for s in (self.service_1, self.service_2, self.service_3) if s is not None]

    def to_record(self, live_ids: set[str] | None = None) -> BestBet:
        ids = [s.slug for s in self.services() if live_ids is None or s.slug in live_ids]
        return BestBet.from_dict(
            {
                "slug": self.slug or "entri-baru",
                "query": self.query,
                "services": ids,
                "expires": self.expires.isoformat() if self.expires else None,
                "note": self.note.strip(),
            },
            f"search/best-bets/{self.slug}.json",
        )

    def clean(self) -> None:
        super().clean()
        if not self.slug and self.query:
            self.slug = _unique_slug(BestBetEntry, self.query, self.pk)
        for name in ("service_1", "service_2", "service_3"):
            page = getattr(self, name)
            if page is not None and not page.live:
                raise ValidationError(
                    {
                        name: f"Layanan «{page.title}» belum terbit: hasil unggulan hanya untuk "
                        "layanan yang terbit."
                    }
                )
        try:
            self.to_record()
        except RecordError as exc:
            raise _record_error_to_validation(
                exc, {"query": "query", "services": "service_1", "expires": "expires"}
            ) from exc
