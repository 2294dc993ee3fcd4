from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from berdaya.accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    # partner is here because User.clean() checks role, region and partner together
    fieldsets = (*BaseUserAdmin.fieldsets, ("Berdaya", {"fields": ("role", "region", "partner")}))
    list_display = ("username", "first_name", "last_name", "role", "region", "partner", "is_active")
    list_filter = ("role", "is_active")
    raw_id_fields = ("region",)
