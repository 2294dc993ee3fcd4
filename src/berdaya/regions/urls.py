from django.urls import path

from berdaya.regions import views

app_name = "regions"
urlpatterns = [
    path("", views.region_list, name="list"),
    path("batas-kabkota.geojson", views.kabkota_boundaries, name="boundaries"),
    path("<str:code>/", views.region_detail, name="detail"),
]
