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


class VocabularyEntry(DraftStateMixin, RevisionMixin, models.Model):
    """What every vocabulary entry has: why it exists, a code made from its first words (its
    file name in content/search/), revisions and a draft/live state; and how it is checked."""

    note = models.TextField("catatan (mengapa)", blank=True)
    slug = models.SlugField("kode", max_length=80, unique=True, blank=True, help_text="Dibuat otomatis.")

    # The record field a RecordError names → the form field to show its message on.
    form_fields: dict[str, str] = {}

    class Meta:
        abstract = True

    @property
    def revisions(self):
        return self._revisions

    def slug_source(self) -> str:
        """The words the code is made from."""
        raise NotImplementedError

    def to_record(self):
        raise NotImplementedError

    def check_references(self) -> None:
        """What only the CMS knows about the entry's links (before the record's own checks)."""

    def check_record(self, record) -> None:
        """What only the CMS knows about the checked record (existing entries)."""

    def clean(self) -> None:
        super().clean()
        if not self.slug and (source := self.slug_source()):
            self.slug = self._unique_slug(source)
        self.check_references()
        try:
            record = self.to_record()
        except RecordError as exc:
            raise ValidationError({self.form_fields.get(exc.field, "__all__"): exc.message}) from exc
        self.check_record(record)

    def _unique_slug(self, base: str) -> str:
        base = (slugify(base)[:60].strip("-")) or "entri"
        slug, n = base, 2
        while type(self).objects.filter(slug=slug).exclude(pk=self.pk).exists():
            slug, n = f"{base}-{n}", n + 1
        return slug


def entry_panels(*fields: str) -> list:
    """The entry's own fields, then the two every entry has."""
    return [
        *(FieldPanel(name) for name in fields),
        FieldPanel("note"),
        MultiFieldPanel([FieldPanel("slug")], heading="Lanjutan"),
    ]


class SearchTermEntry(VocabularyEntry):
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
    _revisions = GenericRelation("wagtailcore.Revision", related_query_name="search_term_entry")

    panels = entry_panels("kind", "terms", "means")
    form_fields = {"terms": "terms", "means": "means", "kind": "kind"}

    class Meta:
        verbose_name = "istilah pencarian"
        verbose_name_plural = "istilah pencarian"
        ordering = ["slug"]

    def __str__(self) -> str:
        return ", ".join(split_terms(self.terms)[:4]) or self.slug

    def slug_source(self) -> str:
        terms = split_terms(self.terms)
        return terms[0] if terms else ""

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

    def check_record(self, record: SearchTerm) -> None:
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


SERVICE_FIELDS = ("service_1", "service_2", "service_3")  # a best bet's services, in order


def _service_field(n: int, *, required: bool = False) -> models.ForeignKey:
    return models.ForeignKey(
        "services.ServicePage",
        verbose_name=f"layanan {n}",
        on_delete=models.SET_NULL,
        null=True,
        blank=not required,
        related_name="+",
    )


class BestBetEntry(VocabularyEntry):
    query = models.CharField("kueri", max_length=MAX_TERM_LENGTH, help_text="Kata yang diketik warga.")
    service_1 = _service_field(1, required=True)
    service_2 = _service_field(2)
    service_3 = _service_field(3)
    expires = models.DateField("berlaku sampai", null=True, blank=True, help_text="Kosong: tanpa batas.")
    _revisions = GenericRelation("wagtailcore.Revision", related_query_name="best_bet_entry")

    panels = entry_panels("query", *SERVICE_FIELDS, "expires")
    form_fields = {"query": "query", "services": "service_1", "expires": "expires"}

    class Meta:
        verbose_name = "hasil unggulan"
        verbose_name_plural = "hasil unggulan"
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.query

    def services(self) -> list:
        return [s for s in (getattr(self, name) for name in SERVICE_FIELDS) if s is not None]

    def slug_source(self) -> str:
        return self.query

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

    @property
    def attention(self) -> str:
        """Why the bet no longer pins all the services an editor chose ("" when it does): one
        was unpublished or deleted since. The portal then pins only the live ones (see
        exporting.add_vocabulary), and none at all when none is left."""
        gone = [f"«{page.title}»" for page in self.services() if not page.live]
        if self.pk is not None and self.service_1 is None:
            gone.insert(0, "layanan 1 (sudah dihapus)")
        if not gone:
            return ""
        left = any(page.live for page in self.services())
        pinned = (
            "layanan lainnya tetap disematkan"
            if left
            else "hasil unggulan ini tidak disematkan lagi di portal"
        )
        return (
            f"{', '.join(gone)} tidak terbit lagi: {pinned}. Pilih layanan yang terbit atau hapus "
            "hasil unggulan ini."
        )

    def check_references(self) -> None:
        for name in SERVICE_FIELDS:
            page = getattr(self, name)
            if page is not None and not page.live:
                raise ValidationError(
                    {
                        name: f"Layanan «{page.title}» belum terbit: hasil unggulan hanya untuk "
                        "layanan yang terbit."
                    }
                )
