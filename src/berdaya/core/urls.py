from django.urls import path

from berdaya.core import views_audit

app_name = "core"
urlpatterns = [
    path("", views_audit.audit_list, name="audit_list"),
]
