from django.urls import path

from berdaya.programmes import views_applications as views

urlpatterns: list = [
    path("permohonan/", views.queue, name="queue"),
    path("permohonan/massal/", views.bulk, name="bulk"),
    path("permohonan/massal/<str:key>/", views.bulk_progress, name="bulk_progress"),
    path("permohonan/<int:pk>/", views.application, name="application"),
    path("permohonan/<int:pk>/langkah/<slug:action>/", views.step, name="step"),
    path("permohonan/<int:pk>/dokumen/", views.application_document, name="application_document"),
    path("portal/", views.portal, name="portal"),
    path("portal/<int:programme_pk>/ajukan/<int:entity_pk>/", views.portal_apply, name="portal_apply"),
]
