from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "berdaya.api"
    label = "berdaya_api"
    verbose_name = "API"
