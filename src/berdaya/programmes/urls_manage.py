from django.urls import path

from berdaya.programmes import views_manage

urlpatterns: list = [
    path("", views_manage.programme_list, name="list"),
    path("baru/", views_manage.programme_create, name="create"),
    path("<int:pk>/", views_manage.programme_detail, name="detail"),
    path("<int:pk>/ubah/", views_manage.programme_edit, name="edit"),
    path("<int:pk>/status/", views_manage.programme_status, name="status"),
    path("<int:pk>/kuota/", views_manage.programme_quotas, name="quotas"),
    path("<int:pk>/kandidat/", views_manage.candidates, name="candidates"),
    path("<int:pk>/kandidat/<int:entity_pk>/usulkan/", views_manage.nominate, name="nominate"),
]
