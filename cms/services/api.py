"""Headless, read-only: Wagtail API v2 at /api/v2/.

pages/       live, public pages only (Wagtail's own rule); ServicePage and OpdPage
             expose their typed fields (lists stay lists).
services/, opds/   the same pages, one type each (no ?type= needed).
apps/        the apps of published OPDs.
categories/, life-events/   the taxonomies.
"""

from wagtail.api.v2.filters import FieldsFilter, OrderingFilter
from wagtail.api.v2.router import WagtailAPIRouter
from wagtail.api.v2.views import BaseAPIViewSet, PagesAPIViewSet

from .models import App, Category, LifeEvent, OpdPage, ServicePage


class ServicesAPIViewSet(PagesAPIViewSet):
    name = "services"
    model = ServicePage
    listing_default_fields = PagesAPIViewSet.listing_default_fields + ["opd", "summary"]


class OpdsAPIViewSet(PagesAPIViewSet):
    name = "opds"
    model = OpdPage
    listing_default_fields = PagesAPIViewSet.listing_default_fields + ["short_name", "kind"]


class SnippetAPIViewSet(BaseAPIViewSet):
    filter_backends = [FieldsFilter, OrderingFilter]
    body_fields = BaseAPIViewSet.body_fields + ["slug", "name", "description"]
    listing_default_fields = BaseAPIViewSet.listing_default_fields + ["slug", "name"]
    nested_default_fields = BaseAPIViewSet.nested_default_fields + ["slug", "name"]

    def get_queryset(self):
        return self.model.objects.order_by("slug")


class AppsAPIViewSet(SnippetAPIViewSet):
    name = "apps"
    model = App
    body_fields = SnippetAPIViewSet.body_fields + ["opd", "base_url", "platforms"]
    listing_default_fields = SnippetAPIViewSet.listing_default_fields + ["opd", "base_url"]

    def get_queryset(self):
        # An app of an OPD that is not published is not public either.
        return App.objects.filter(opd__live=True).select_related("opd").order_by("slug")


class CategoriesAPIViewSet(SnippetAPIViewSet):
    name = "categories"
    model = Category


class LifeEventsAPIViewSet(SnippetAPIViewSet):
    name = "life-events"
    model = LifeEvent


api_router = WagtailAPIRouter("wagtailapi")
api_router.register_endpoint("pages", PagesAPIViewSet)
api_router.register_endpoint("services", ServicesAPIViewSet)
api_router.register_endpoint("opds", OpdsAPIViewSet)
api_router.register_endpoint("apps", AppsAPIViewSet)
api_router.register_endpoint("categories", CategoriesAPIViewSet)
api_router.register_endpoint("life-events", LifeEventsAPIViewSet)
