from django.urls import path  # noqa: F401

# The instrument and rule editor: routes of views_editor.py.
urlpatterns: list = []
