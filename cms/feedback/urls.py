from django.urls import path

from . import views

urlpatterns = [
    path("api/laporan-pencarian", views.search_report, name="search-report"),
]
