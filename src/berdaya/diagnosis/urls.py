from django.urls import path

from berdaya.diagnosis import views
from berdaya.diagnosis.urls_editor import urlpatterns as editor_urls
from berdaya.diagnosis.urls_import import urlpatterns as import_urls

app_name = "diagnosis"
urlpatterns = [
    path("", views.overview, name="home"),
    path("daftar-kerja/", views.worklist, name="worklist"),
    path("daftar-kerja.xlsx", views.worklist_export, name="worklist_export"),
    path("entitas/<int:entity_pk>/nilai/<slug:code>/", views.assess, name="assess"),
    path("penilaian/<int:pk>/", views.assessment_detail, name="assessment"),
    *editor_urls,  # instruments and recommendation rules (views_editor.py)
    *import_urls,  # bulk entry by file (views_import.py)
]
