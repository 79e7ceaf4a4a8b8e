from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import ApiToken, Member


@admin.register(Member)
class MemberAdmin(UserAdmin):
    list_display = ("username", "display_name", "email", "city", "is_staff", "date_joined")
    search_fields = ("username", "display_name", "email", "city")
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        ("Profile", {"fields": ("display_name", "bio", "city", "roles", "avatar")}),
        ("Notifications", {"fields": ("email_notifications",)}),
    )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "member", "prefix", "created_at", "last_used_at", "revoked_at")
    list_select_related = ("member",)
    search_fields = ("name", "member__username", "prefix")
    readonly_fields = ("key_hash", "prefix", "created_at", "last_used_at")
