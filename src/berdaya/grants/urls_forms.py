from django.urls import path

from berdaya.grants import views

urlpatterns: list = [
    path("permohonan/<int:pk>/penyaluran/", views.disburse, name="disburse"),
    path("permohonan/<int:pk>/laporan/", views.usage_report, name="usage_report"),
    path("penyaluran/<int:pk>/rekening/", views.reveal_account, name="reveal_account"),
]
