from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("", include("cms.services.urls")),
    path("", include("cms.search_api.urls")),
    path("", include("cms.feedback.urls")),
    path("cms/", include(wagtail_urls)),
]
