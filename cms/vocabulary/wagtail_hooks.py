"""Admin: the vocabulary under one "Pencarian" menu; a new entry can be prefilled from the URL
(?terms=… or ?query=…), which the "Pencarian warga" report links to from a zero-result query."""

from django.contrib import messages
from wagtail.admin.ui.tables import Column
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import CreateView, EditView, SnippetViewSet, SnippetViewSetGroup

from .models import SERVICE_FIELDS, BestBetEntry, SearchTermEntry

PREFILL_MAX = 100


class PrefilledCreateView(CreateView):
    prefill_fields: tuple[str, ...] = ()

    def get_initial(self):
        initial = super().get_initial()
        for name in self.prefill_fields:
            value = self.request.GET.get(name, "").strip()[:PREFILL_MAX]
            if value:
                initial[name] = value
        return initial


class SearchTermCreateView(PrefilledCreateView):
    prefill_fields = ("kind", "terms", "means")


class BestBetCreateView(PrefilledCreateView):
    prefill_fields = ("query",)


class BestBetEditView(EditView):
    """Opening a best bet whose service went away says so at the top, before anything is changed."""

    def get(self, request, *args, **kwargs):
        if attention := self.object.attention:
            messages.warning(request, f"Perlu perhatian: {attention}")
        return super().get(request, *args, **kwargs)


class SearchTermViewSet(SnippetViewSet):
    model = SearchTermEntry
    add_view_class = SearchTermCreateView
    icon = "search"
    menu_label = "Istilah pencarian"
    list_display = ["__str__", "kind", "means", "live"]
    list_filter = ["kind", "live"]
    search_fields = ["terms", "means", "note", "slug"]
    search_backend_name = None
    ordering = ["slug"]


class BestBetViewSet(SnippetViewSet):
    model = BestBetEntry
    add_view_class = BestBetCreateView
    edit_view_class = BestBetEditView
    icon = "pick"
    menu_label = "Hasil unggulan"
    # "Perlu perhatian": a pinned service was unpublished or deleted after the bet was published
    list_display = ["query", "service_1", "expires", "live", Column("attention", label="Perlu perhatian")]
    list_filter = ["live"]
    search_fields = ["query", "note", "slug"]
    search_backend_name = None
    ordering = ["slug"]

    def get_queryset(self, request):
        return BestBetEntry.objects.select_related(*SERVICE_FIELDS)


class SearchViewSetGroup(SnippetViewSetGroup):
    items = (SearchTermViewSet, BestBetViewSet)
    menu_icon = "search"
    menu_label = "Pencarian"
    menu_name = "pencarian"


register_snippet(SearchViewSetGroup)
