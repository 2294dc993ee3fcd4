from django.urls import path

from berdaya.diagnosis import views_editor as views

# The instrument and rule editor: routes of views_editor.py.
_VERSION = "instrumen/<slug:code>/v<int:number>/"
urlpatterns: list = [
    path("instrumen/", views.instruments, name="instruments"),
    path("instrumen/<slug:code>/sunting/", views.instrument_edit, name="instrument_edit"),
    path(_VERSION, views.version, name="version"),
    path(f"{_VERSION}pengaturan/", views.version_settings, name="version_settings"),
    path(f"{_VERSION}banding/", views.version_compare, name="version_compare"),
    path(f"{_VERSION}terbitkan/", views.version_publish, name="version_publish"),
    path(f"{_VERSION}buang/", views.version_discard, name="version_discard"),
    path(f"{_VERSION}bagian-baru/", views.section_add, name="section_add"),
    path(f"{_VERSION}bagian/<slug:section>/", views.section_edit, name="section_edit"),
    path(f"{_VERSION}bagian/<slug:section>/hapus/", views.section_delete, name="section_delete"),
    path(f"{_VERSION}bagian/<slug:section>/pertanyaan-baru/", views.question_add, name="question_add"),
    path(f"{_VERSION}pertanyaan/<slug:question>/", views.question_edit, name="question_edit"),
    path(f"{_VERSION}pertanyaan/<slug:question>/hapus/", views.question_delete, name="question_delete"),
    path("aturan/", views.rules, name="rules"),
    path("aturan/<slug:code>/baru/", views.rule_create, name="rule_create"),
    path("aturan/<int:pk>/", views.rule_edit, name="rule_edit"),
    path("aturan/<int:pk>/status/", views.rule_set_active, name="rule_set_active"),
]
