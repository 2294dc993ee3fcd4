from django.urls import path

from berdaya.registry import views

app_name = "registry"
urlpatterns = [
    path("", views.entity_list, name="list"),
    path("peta.json", views.entity_map_points, name="map_points"),
    path("rat/", views.rat_compliance, name="rat"),
    path("<int:pk>/", views.entity_detail, name="detail"),
]
