from django.urls import path

from berdaya.registry import views, views_claims, views_documents, views_edit, views_export, views_import

app_name = "registry"
urlpatterns = [
    path("", views.entity_list, name="list"),
    path("peta.json", views.entity_map_points, name="map_points"),
    path("rat/", views.rat_compliance, name="rat"),
    # export and import templates (Part 4 items 6 and 7)
    path("ekspor.xlsx", views_export.export_xlsx, name="export_xlsx"),
    path("ekspor.csv", views_export.export_csv, name="export_csv"),
    path("impor/templat/<str:kind>.xlsx", views_export.import_template, name="import_template"),
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
    # import (Part 4)
    path("impor/", views_import.import_list, name="import_list"),
    path("impor/<int:pk>/", views_import.import_detail, name="import_detail"),
    path("impor/<int:pk>/kolom/", views_import.import_mapping, name="import_mapping"),
    path("impor/<int:pk>/progres/", views_import.import_progress, name="import_progress"),
    path("impor/<int:pk>/simpan/", views_import.import_commit, name="import_commit"),
    path("impor/<int:pk>/batalkan/", views_import.import_rollback, name="import_rollback"),
    path("impor/<int:pk>/laporan.xlsx", views_import.import_report, name="import_report"),
]
