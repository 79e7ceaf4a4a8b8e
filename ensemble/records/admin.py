from django.contrib import admin

from .models import Record, RecordVersion, Tag


class VersionInline(admin.TabularInline):
    model = RecordVersion
    extra = 0
    can_delete = False
    fields = ("number", "created_at", "note", "original_filename", "size_bytes", "sha256")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Record)
class RecordAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "author", "city", "licence", "published", "created_at")
    list_filter = ("kind", "published", "licence")
    list_select_related = ("author",)
    search_fields = ("title", "author__username", "city")
    readonly_fields = ("current_version", "created_at", "updated_at")
    raw_id_fields = ("author",)
    inlines = (VersionInline,)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # unpublish instead: others may build on it


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ("name",)
