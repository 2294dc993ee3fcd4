from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from berdaya.accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (*BaseUserAdmin.fieldsets, ("Berdaya", {"fields": ("role", "region")}))
    list_display = ("username", "first_name", "last_name", "role", "region", "is_active")
    list_filter = ("role", "is_active")
    raw_id_fields = ("region",)
