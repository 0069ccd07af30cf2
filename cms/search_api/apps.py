from django.apps import AppConfig


class SearchApiConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "cms.search_api"
