from django.urls import path

from berdaya.accounts import views

app_name = "accounts"
urlpatterns = [
    path("pengguna/", views.user_list, name="user_list"),
    path("pengguna/baru/", views.user_create, name="user_create"),
    path("pengguna/<int:pk>/", views.user_edit, name="user_edit"),
    path("pengguna/<int:pk>/status/", views.user_set_active, name="user_set_active"),
    path("pengguna/<int:pk>/kata-sandi/", views.user_reset_password, name="user_reset_password"),
    path("pengguna/<int:pk>/buka-kunci/", views.user_unlock, name="user_unlock"),
    path("mitra/", views.partner_list, name="partner_list"),
    path("mitra/baru/", views.partner_create, name="partner_create"),
    path("mitra/<int:pk>/", views.partner_edit, name="partner_edit"),
    path("token/", views.token_list, name="token_list"),
    path("token/baru/", views.token_create, name="token_create"),
    path("token/<int:pk>/cabut/", views.token_revoke, name="token_revoke"),
    path("kata-sandi/", views.password_change, name="password_change"),
]
