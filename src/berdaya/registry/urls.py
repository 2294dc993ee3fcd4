from django.urls import path

from berdaya.registry import views, views_claims, views_documents, views_edit

app_name = "registry"
urlpatterns = [
    path("", views.entity_list, name="list"),
    path("peta.json", views.entity_map_points, name="map_points"),
    path("rat/", views.rat_compliance, name="rat"),
    path("<int:pk>/", views.entity_detail, name="detail"),
    # create and edit (Part 3 item 4)
    path("baru/umkm/", views_edit.create_umkm, name="create_umkm"),
    path("baru/koperasi/", views_edit.create_koperasi, name="create_koperasi"),
    path("<int:pk>/ubah/", views_edit.entity_edit, name="edit"),
    path("<int:pk>/rat/", views_edit.rat_record, name="rat_record"),
    path("<int:pk>/status/", views_edit.status_change, name="status_change"),
    path("<int:pk>/dokumen/", views_documents.document_upload, name="document_upload"),
    path("<int:pk>/dokumen/<int:doc>/", views_documents.document_download, name="document"),
    path("<int:pk>/tampilkan/<str:field>/", views_edit.reveal_entity, name="reveal_entity"),
    path("pelaku/<int:pk>/tampilkan/<str:field>/", views_edit.reveal_person, name="reveal_person"),
    path("kbli/", views_edit.kbli_search, name="kbli_search"),
    path("wilayah/", views_edit.region_fields, name="region_fields"),
    # self-service claims (Part 3 item 5)
    path("klaim/", views_claims.claim_create, name="claim"),
    path("klaim/menunggu/", views_claims.claim_queue, name="claim_queue"),
    path("klaim/<int:pk>/putuskan/", views_claims.claim_decide, name="claim_decide"),
    path("usaha-saya/", views_claims.my_entities, name="my_entities"),
]
