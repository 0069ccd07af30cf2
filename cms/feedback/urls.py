from django.urls import path

from . import page_feedback, views

urlpatterns = [
    path("api/laporan-pencarian", views.search_report, name="search-report"),
    path("api/masukan", page_feedback.page_feedback, name="page-feedback"),
]
