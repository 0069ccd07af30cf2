"""Admin: the catalogue's snippets under one "Katalog" menu; deletions that would break references.

Apps protect their OPD and services protect their app (on_delete=PROTECT). Wagtail's own
check relies on the reference index, which background tasks keep up to date; these hooks
ask the database directly, so a refused deletion is a message, never a server error.
"""

from django.shortcuts import redirect
from wagtail import hooks
from wagtail.admin import messages
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .models import App, Category, LifeEvent, OpdPage, ServicePage


@hooks.register("before_delete_page")
def keep_opds_that_have_apps(request, page):
    opds = OpdPage.objects.filter(path__startswith=page.path)
    apps = App.objects.filter(opd__in=opds).order_by("name")
    if apps.exists():
        names = ", ".join(app.name for app in apps[:5])
        messages.error(
            request,
            f"'{page.title}' tidak dapat dihapus: aplikasi {names} masih tercatat milik OPD ini. "
            "Hapus aplikasinya atau pindahkan ke OPD lain dahulu.",
        )
        return redirect("wagtailadmin_explore", page.get_parent().id)


@hooks.register("before_delete_snippet")
def keep_apps_that_services_use(request, instances):
    apps = [obj for obj in instances if isinstance(obj, App)]
    used = ServicePage.objects.filter(app__in=apps).order_by("title")
    if apps and used.exists():
        titles = ", ".join(page.title for page in used[:5])
        messages.error(
            request,
            f"Aplikasi tidak dapat dihapus: masih dipakai layanan {titles}. "
            "Lepaskan aplikasinya dari layanan tersebut dahulu.",
        )
        return redirect("wagtailsnippets_services_app:list")


class AppViewSet(SnippetViewSet):
    model = App
    icon = "tablet-alt"
    menu_label = "Aplikasi"
    list_display = ["name", "slug", "opd", "base_url"]
    list_filter = ["opd"]
    search_fields = ["name", "slug", "base_url"]
    search_backend_name = None  # plain database lookups: the snippets are few and not search-indexed
    ordering = ["slug"]


class CategoryViewSet(SnippetViewSet):
    model = Category
    icon = "folder-open-inverse"
    menu_label = "Kategori"
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    search_backend_name = None


class LifeEventViewSet(SnippetViewSet):
    model = LifeEvent
    icon = "group"
    menu_label = "Peristiwa hidup"
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    search_backend_name = None


class CatalogueViewSetGroup(SnippetViewSetGroup):
    items = (AppViewSet, CategoryViewSet, LifeEventViewSet)
    menu_icon = "list-ul"
    menu_label = "Katalog"
    menu_name = "katalog"


register_snippet(CatalogueViewSetGroup)
