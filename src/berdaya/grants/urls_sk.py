from django.urls import path

from berdaya.grants import views_sk

urlpatterns: list = [
    path("<int:pk>/sk.pdf", views_sk.sk_pdf, name="sk_pdf"),
    path("<int:pk>/sk.xlsx", views_sk.sk_xlsx, name="sk_xlsx"),
]
