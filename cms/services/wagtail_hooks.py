"""Admin menu: the catalogue's snippets (apps, categories, life events) under one "Katalog" entry."""

from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .models import App, Category, LifeEvent


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
