from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from berdaya.accounts.forms import LoginForm
from berdaya.api.api import api
from berdaya.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path(
        "masuk/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True, authentication_form=LoginForm),
        name="login",
    ),
    path("keluar/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("wilayah/", include("berdaya.regions.urls")),
    path("akun/", include("berdaya.accounts.urls")),
    path("audit/", include("berdaya.core.urls")),
    path("registri/", include("berdaya.registry.urls")),
    path("diagnosis/", include("berdaya.diagnosis.urls")),
    path("program/", include("berdaya.programmes.urls")),
    path("program/hibah/", include("berdaya.grants.urls")),
    path("api/v1/", api.urls),
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("admin/", admin.site.urls),
]
