from django.urls import path  # noqa: F401

# Bulk entry of assessments by file: routes of views_import.py.
urlpatterns: list = []
