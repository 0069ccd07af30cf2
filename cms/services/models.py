"""The catalogue in Wagtail: root page → one page per OPD → its service pages.

The page tree is the permission boundary: an OPD's editor group holds Wagtail
page permissions on that OPD page only, so Wagtail itself refuses edits to
other OPDs' services. Apps, categories and life events are snippets.

Field names follow catalogue.records (the one record definition), so the
importer and exporter map fields one to one.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import models
from django.dispatch import Signal
from django.utils.deconstruct import deconstructible
from modelcluster.fields import ParentalManyToManyField
from rest_framework.fields import CharField
from wagtail import blocks
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from catalogue import urls
from catalogue.records import (
    CHANNEL_KINDS,
    OPD_KINDS,
    PLATFORMS,
    SLUG_RE,
    STORE_HOSTS,
    deep_link_error,
    https_url_error,
    store_url_error,
)

from .api_fields import ChannelListField, JourneyStepsField, PortalHtmlField, SlugField, TextListField
from .forms import ServicePageForm

# Tag set of catalogue.records.RICH_TEXT_TAGS, as Draftail features.
RICH_TEXT_FEATURES = ["h2", "h3", "h4", "bold", "italic", "ol", "ul", "link"]
SLUG_MESSAGE = "Harus berupa slug: huruf kecil, angka dan tanda - (contoh: ktp-el-pemula)."
CHANNEL_LABELS = {"online": "Daring (online)", "walk_in": "Datang langsung (loket)"}
assert set(CHANNEL_LABELS) == set(CHANNEL_KINDS)

# Sent with `page` when an editor previews a service page; cms.publishing connects the receiver
# that renders it as the portal will (so the models do not import the publishing layer).
service_preview_requested = Signal()


def validate_https_url(value: str) -> None:
    if value and (problem := https_url_error(value)):
        raise ValidationError(problem)


def validate_catalogue_slug(value: str) -> None:
    if not SLUG_RE.match(value or ""):
        raise ValidationError(SLUG_MESSAGE)


class PlatformsField(models.JSONField):
    """A list of platforms (web/android/ios), edited as checkboxes."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("default", list)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def formfield(self, **kwargs):
        return forms.MultipleChoiceField(
            choices=[(p, p) for p in PLATFORMS],
            widget=forms.CheckboxSelectMultiple,
            required=not self.blank,
            label=self.verbose_name.capitalize(),
            help_text=self.help_text,
        )

    def validate(self, value, model_instance):
        super().validate(value, model_instance)
        if not isinstance(value, list) or any(p not in PLATFORMS for p in value):
            raise ValidationError("Platform harus web, android atau ios.")


def text_list_field(item_label: str, verbose_name: str, help_text: str = "") -> StreamField:
    """An ordered list of short texts: one block per item, reorderable in the admin."""
    return StreamField(
        [("item", blocks.CharBlock(label=item_label, max_length=1000))],
        blank=True,
        verbose_name=verbose_name,
        help_text=help_text,
    )


class ChannelBlock(blocks.StructBlock):
    name = blocks.CharBlock(label="Nama kanal/tempat", max_length=255)
    address = blocks.CharBlock(label="Alamat", required=False, max_length=500)
    hours = blocks.CharBlock(label="Jam layanan", required=False, max_length=255)

    class Meta:
        icon = "site"


class PortalUrlMixin:
    """Citizens read pages on the static portal: "view live" and the API's html_url point there."""

    def portal_path(self) -> str:
        raise NotImplementedError

    def get_url_parts(self, request=None):
        parts = super().get_url_parts(request)
        if parts is None:  # not routable (not under a site): no URL at all
            return None
        return parts[0], settings.SITE_URL, self.portal_path()


class CatalogueIndexPage(PortalUrlMixin, Page):
    """The one root of the catalogue; its children are the OPDs."""

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["services.OpdPage"]
    max_count = 1

    class Meta:
        verbose_name = "katalog layanan"
        verbose_name_plural = "katalog layanan"

    def portal_path(self) -> str:
        return urls.HOME


class OpdPage(PortalUrlMixin, Page):
    """An agency (Organisasi Perangkat Daerah); its services are its child pages.

    The page title is the OPD's official name, the slug its catalogue slug.
    """

    short_name = models.CharField("nama singkat", max_length=100, help_text="Contoh: Disdukcapil.")
    kind = models.CharField("jenis", max_length=20, choices=[(k, k.capitalize()) for k in OPD_KINDS])
    address = models.CharField("alamat", max_length=500, blank=True)
    phone = models.CharField("telepon", max_length=100, blank=True)
    website = models.CharField(
        "situs web", max_length=500, blank=True, validators=[validate_https_url], help_text="Alamat https://."
    )
    description = models.TextField("deskripsi", blank=True)

    parent_page_types = ["services.CatalogueIndexPage"]
    subpage_types = ["services.ServicePage"]

    content_panels = [
        FieldPanel("title", heading="Nama resmi OPD"),
        FieldPanel("short_name"),
        FieldPanel("kind"),
        FieldPanel("address"),
        FieldPanel("phone"),
        FieldPanel("website"),
        FieldPanel("description"),
    ]
    search_fields = Page.search_fields + [index.SearchField("short_name")]
    api_fields = [
        APIField("short_name"),
        APIField("kind"),
        APIField("address"),
        APIField("phone"),
        APIField("website"),
        APIField("description"),
    ]

    class Meta:
        verbose_name = "OPD"
        verbose_name_plural = "OPD"

    def portal_path(self) -> str:
        return urls.opd(self.slug)

    def clean(self):
        super().clean()
        if errors := self.catalogue_errors():
            raise ValidationError(errors)

    def catalogue_errors(self) -> dict[str, str]:
        """The record's own rules, without database look-ups."""
        return {"slug": SLUG_MESSAGE} if self.slug and not SLUG_RE.match(self.slug) else {}

    @classmethod
    def holding(cls, page: Page) -> OpdPage | None:
        """The OPD page `page` belongs to (itself, or the OPD it sits under), or None."""
        step = Page.steplen
        ancestors = [page.path[:end] for end in range(step, len(page.path) + 1, step)]
        return opd_holding(page.path, {opd.path: opd for opd in cls.objects.filter(path__in=ancestors)})


def opd_holding(path: str | None, opds_by_path: dict):
    """The OPD (of `opds_by_path`, keyed by tree path) that holds the page at `path`: the page
    itself or its nearest ancestor in the mapping; None when there is none. The one answer to
    "which OPD is this page in" (exporter, worker, preview, audit, API)."""
    step = Page.steplen
    for end in range(len(path or ""), 0, -step):
        if (opd := opds_by_path.get(path[:end])) is not None:
            return opd
    return None


class OpdEditorGroup(models.Model):
    """Which group edits which OPD. Kept outside the page so publishing an old revision cannot drop it."""

    opd = models.OneToOneField(OpdPage, on_delete=models.CASCADE, related_name="editor_group_link")
    group = models.OneToOneField(Group, on_delete=models.CASCADE, related_name="opd_link")

    class Meta:
        verbose_name = "grup editor OPD"
        verbose_name_plural = "grup editor OPD"

    def __str__(self):
        return f"{self.group} → {self.opd}"


class Taxonomy(models.Model):
    slug = models.SlugField(
        "slug", max_length=100, unique=True, allow_unicode=False, validators=[validate_catalogue_slug]
    )
    name = models.CharField("nama", max_length=255)
    description = models.TextField("deskripsi", blank=True)

    panels = [FieldPanel("name"), FieldPanel("slug"), FieldPanel("description")]
    api_fields = [APIField("slug"), APIField("name"), APIField("description")]

    class Meta:
        abstract = True
        ordering = ["slug"]

    def __str__(self):
        return self.name


class Category(Taxonomy):
    class Meta(Taxonomy.Meta):
        verbose_name = "kategori"
        verbose_name_plural = "kategori"


@deconstructible
class StoreUrlValidator:
    """An https link to the app's page in one store (catalogue.records.store_url_error)."""

    def __init__(self, store_host: str):
        self.store_host = store_host

    def __call__(self, value: str) -> None:
        if value and (problem := store_url_error(value, self.store_host)):
            raise ValidationError(problem)

    def __eq__(self, other):
        return isinstance(other, StoreUrlValidator) and other.store_host == self.store_host


class JourneyServiceChooser(blocks.PageChooserBlock):
    """A published service page (a journey step must lead citizens to a live page)."""

    def clean(self, value):
        value = super().clean(value)
        if value is not None and not value.live:
            raise ValidationError(
                f"Layanan '{value.title}' belum terbit: terbitkan dulu atau pilih yang lain."
            )
        return value


class JourneyStepBlock(blocks.StructBlock):
    services = blocks.ListBlock(
        JourneyServiceChooser(page_type="services.ServicePage", label="Layanan"),
        min_num=1,
        label="Layanan pada langkah ini",
    )
    mode = blocks.ChoiceBlock(
        choices=[("all", "Semua layanan ini (dan)"), ("any", "Salah satu layanan ini (atau)")],
        default="all",
        label="Jika lebih dari satu layanan",
    )
    why = blocks.CharBlock(label="Mengapa langkah ini", max_length=300, required=False)
    produces = blocks.CharBlock(
        label="Hasilnya untuk langkah berikut",
        max_length=300,
        required=False,
        help_text="Contoh: Akta kelahiran, yang diperlukan untuk memperbarui KK.",
    )

    class Meta:
        icon = "list-ol"
        label = "Langkah"


class LifeEvent(Taxonomy):
    steps = StreamField(
        [("step", JourneyStepBlock())],
        blank=True,
        verbose_name="langkah perjalanan",
        help_text="Urutan layanan yang ditempuh warga pada peristiwa ini, lintas OPD.",
    )

    panels = Taxonomy.panels + [FieldPanel("steps")]
    api_fields = Taxonomy.api_fields + [APIField("steps", serializer=JourneyStepsField())]

    class Meta(Taxonomy.Meta):
        verbose_name = "peristiwa hidup"
        verbose_name_plural = "peristiwa hidup"


class App(models.Model):
    """An OPD's application; services deep-link into it."""

    slug = models.SlugField("slug", max_length=100, unique=True, validators=[validate_catalogue_slug])
    name = models.CharField("nama", max_length=255)
    opd = models.ForeignKey(OpdPage, verbose_name="OPD", on_delete=models.PROTECT, related_name="apps")
    base_url = models.CharField(
        "alamat dasar (base URL)",
        max_length=500,
        validators=[validate_https_url],
        help_text="Alamat https:// aplikasi; tautan langsung layanan harus berada di host ini.",
    )
    platforms = PlatformsField("platform")
    description = models.TextField("deskripsi", blank=True)
    play_store_url = models.CharField(
        "tautan Google Play",
        max_length=500,
        blank=True,
        validators=[StoreUrlValidator(STORE_HOSTS["play_store_url"])],
        help_text="Alamat https://play.google.com/… aplikasi Android-nya, jika ada.",
    )
    app_store_url = models.CharField(
        "tautan App Store",
        max_length=500,
        blank=True,
        validators=[StoreUrlValidator(STORE_HOSTS["app_store_url"])],
        help_text="Alamat https://apps.apple.com/… aplikasi iOS-nya, jika ada.",
    )

    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldPanel("opd", widget=forms.Select),
        FieldPanel("base_url"),
        FieldPanel("platforms"),
        FieldPanel("play_store_url"),
        FieldPanel("app_store_url"),
        FieldPanel("description"),
    ]
    api_fields = [
        APIField("slug"),
        APIField("name"),
        APIField("opd", serializer=SlugField()),
        APIField("base_url"),
        APIField("platforms"),
        APIField("play_store_url"),
        APIField("app_store_url"),
        APIField("description"),
    ]

    class Meta:
        ordering = ["slug"]
        verbose_name = "aplikasi"
        verbose_name_plural = "aplikasi"

    def __str__(self):
        return self.name


class ServicePage(PortalUrlMixin, Page):
    """One public service with every Standar Pelayanan component as its own field.

    The slug is the service id (stable: portal URLs and search judgments use it).
    """

    summary = models.TextField("ringkasan", help_text="Satu atau dua kalimat yang tampil di hasil pencarian.")
    description = RichTextField("uraian", blank=True, features=RICH_TEXT_FEATURES)
    requirements = text_list_field("Persyaratan", "persyaratan", "Satu persyaratan per butir, berurutan.")
    steps = text_list_field("Langkah", "prosedur/alur", "Satu langkah per butir, berurutan.")
    duration = models.CharField("jangka waktu penyelesaian", max_length=500, blank=True)
    cost = models.CharField("biaya/tarif", max_length=500, blank=True)
    output = models.CharField("produk pelayanan", max_length=500, blank=True)
    legal_basis = text_list_field("Dasar hukum", "dasar hukum")
    complaints = models.TextField(
        "penanganan pengaduan",
        blank=True,
        help_text="SP4N-LAPOR! dan kanal pengaduan OPD sendiri.",
    )
    channels = StreamField(
        [(kind, ChannelBlock(label=label)) for kind, label in CHANNEL_LABELS.items()],
        blank=True,
        verbose_name="kanal layanan",
        help_text="Tempat dan cara mendapatkan layanan: daring atau datang langsung (dengan jam layanan).",
    )
    app = models.ForeignKey(
        App,
        verbose_name="aplikasi",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="services",
    )
    deep_link = models.CharField(
        "tautan langsung",
        max_length=500,
        blank=True,
        help_text="Alamat https:// di dalam aplikasi, tempat warga langsung mengajukan layanan ini.",
    )
    categories = ParentalManyToManyField(
        Category, verbose_name="kategori", blank=True, related_name="services"
    )
    life_events = ParentalManyToManyField(
        LifeEvent, verbose_name="peristiwa hidup", blank=True, related_name="services"
    )
    keywords = text_list_field(
        "Kata kunci",
        "kata kunci tersembunyi",
        "Kata yang diketik warga tetapi tidak ada di halaman, misalnya nama lama (IMB untuk PBG).",
    )
    featured = models.BooleanField(
        "layanan unggulan", default=False, help_text="Tampil di beranda sebagai layanan paling dibutuhkan."
    )
    # "Informasi diperiksa": the day (WITA) an editor last confirmed the live content. Every publish
    # sets it, and so does "Masih benar" (cms.reviews); never edited in the form.
    last_reviewed = models.DateField("terakhir diperiksa", null=True, blank=True, editable=False)
    responsible_editor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="penanggung jawab isi",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="responsible_services",
        help_text="Editor OPD ini yang memastikan informasinya tetap benar. Kosong: semua editor OPD.",
    )

    parent_page_types = ["services.OpdPage"]
    subpage_types = []
    base_form_class = ServicePageForm

    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        FieldPanel("description"),
        MultiFieldPanel(
            [
                FieldPanel("requirements"),
                FieldPanel("steps"),
                FieldPanel("duration"),
                FieldPanel("cost"),
                FieldPanel("output"),
                FieldPanel("legal_basis"),
                FieldPanel("complaints"),
            ],
            heading="Standar Pelayanan",
        ),
        MultiFieldPanel(
            [FieldPanel("channels"), FieldPanel("app", widget=forms.Select), FieldPanel("deep_link")],
            heading="Kanal dan aplikasi",
        ),
        MultiFieldPanel(
            [
                FieldPanel("categories", widget=forms.CheckboxSelectMultiple),
                FieldPanel("life_events", widget=forms.CheckboxSelectMultiple),
                FieldPanel("keywords"),
                FieldPanel("featured"),
            ],
            heading="Pengelompokan dan pencarian",
        ),
        FieldPanel("responsible_editor", widget=forms.Select, heading="Penanggung jawab isi"),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("description"),
        index.SearchField("keywords"),
    ]
    api_fields = [
        APIField("opd", serializer=CharField(source="opd_slug", read_only=True)),
        APIField("summary"),
        APIField("description", serializer=PortalHtmlField()),
        APIField("requirements", serializer=TextListField()),
        APIField("steps", serializer=TextListField()),
        APIField("duration"),
        APIField("cost"),
        APIField("output"),
        APIField("legal_basis", serializer=TextListField()),
        APIField("complaints"),
        APIField("channels", serializer=ChannelListField()),
        APIField("app", serializer=SlugField()),
        APIField("deep_link"),
        APIField("categories", serializer=SlugField()),
        APIField("life_events", serializer=SlugField()),
        APIField("keywords", serializer=TextListField()),
        APIField("featured"),
        APIField("last_reviewed"),
    ]

    class Meta:
        verbose_name = "layanan"
        verbose_name_plural = "layanan"

    def portal_path(self) -> str:
        return urls.service(self.slug)

    @property
    def opd_slug(self) -> str:
        return OpdPage.holding(self).slug

    def clean(self):
        super().clean()
        errors = {}
        taken = ServicePage.objects.filter(slug=self.slug).exclude(pk=self.pk)
        if self.slug and SLUG_RE.match(self.slug) and taken.exists():
            errors["slug"] = f"ID layanan '{self.slug}' sudah dipakai layanan lain."
        errors = {**errors, **self.catalogue_errors()}
        if errors:
            raise ValidationError(errors)

    def catalogue_errors(self) -> dict[str, str]:
        """The record's own rules (slug form, a safe deep link into its app), without database look-ups."""
        errors = {}
        if self.slug and not SLUG_RE.match(self.slug):
            errors["slug"] = SLUG_MESSAGE
        if self.deep_link:
            if self.app is not None:
                problem = deep_link_error(self.deep_link, self.app.base_url)
            elif problem := https_url_error(self.deep_link):
                problem = f"Tautan langsung tidak aman: {problem}"
            else:
                problem = "Tautan langsung memerlukan aplikasi: pilih aplikasinya dulu."
            if problem:
                errors["deep_link"] = problem
        return errors

    def serve_preview(self, request, mode_name):
        # Editors preview the page as the portal renders it (cms.publishing.preview).
        for _receiver, response in service_preview_requested.send(sender=ServicePage, page=self):
            if response is not None:
                return response
        return super().serve_preview(request, mode_name)
