from django.urls import path

from berdaya.diagnosis import views_import

# Bulk entry of assessments by file: routes of views_import.py.
urlpatterns: list = [
    path("impor/", views_import.import_page, name="import"),
    path("impor/templat/<slug:code>.xlsx", views_import.import_template, name="import_template"),
    path("impor/laporan/<uuid:token>.xlsx", views_import.import_report, name="import_report"),
]
