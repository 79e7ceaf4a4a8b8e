"""Staff views of the revenue share. Read-mostly: money moves only through the services (the
pages and the API), which check who may do what and post balanced ledger transactions.

The ledger (accounts, transactions, entries) and the other append-only rows (pool entries,
allocations, payouts) cannot be added, changed or deleted here; neither can pools, proposals and
their lines, adjustments and snapshots. Staff may delete a proposal comment (moderation).
"""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import (
    Account,
    Adjustment,
    Allocation,
    Entry,
    Payout,
    Pool,
    PoolEntry,
    Proposal,
    ProposalComment,
    ProposalLine,
    Snapshot,
    Transaction,
)


class ReadOnly:
    """Staff see every field and change nothing."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(ReadOnly, admin.TabularInline):
    extra = 0
    show_change_link = True


class PoolEntryInline(ReadOnlyInline):
    model = PoolEntry
    fields = ("created_at", "kind", "revenue", "costs", "share_bp", "amount", "currency", "reason")


@admin.register(Pool)
class PoolAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("production", "currency", "community_share_bp", "created_by", "created_at")
    list_filter = ("currency",)
    search_fields = ("production__title",)
    list_select_related = ("production", "created_by")
    inlines = (PoolEntryInline,)


@admin.register(PoolEntry)
class PoolEntryAdmin(ReadOnly, admin.ModelAdmin):
    list_display = (
        "pk",
        "pool",
        "kind",
        "amount",
        "currency",
        "reason",
        "created_by",
        "created_at",
    )
    list_filter = ("kind", "currency")
    search_fields = ("reason", "pool__production__title")
    list_select_related = ("pool", "created_by")
    date_hierarchy = "created_at"


class ProposalLineInline(ReadOnlyInline):
    model = ProposalLine
    fields = ("member", "computed_weight", "weight", "is_leader", "roles", "position")


class ProposalCommentInline(ReadOnlyInline):
    model = ProposalComment
    fields = ("author", "text", "created_at")


@admin.register(Proposal)
class ProposalAdmin(ReadOnly, admin.ModelAdmin):
    list_display = (
        "pk", "production", "cut", "state", "currency", "amount", "published_at", "finalised_at",
    )  # fmt: skip
    list_filter = ("state", "currency")
    search_fields = ("production__title",)
    list_select_related = ("production", "cut")
    date_hierarchy = "created_at"
    inlines = (ProposalLineInline, ProposalCommentInline)


@admin.register(ProposalLine)
class ProposalLineAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("pk", "proposal", "member", "computed_weight", "weight", "is_leader")
    list_filter = ("is_leader",)
    search_fields = ("member__username", "proposal__production__title")
    list_select_related = ("proposal", "member")


@admin.register(Adjustment)
class AdjustmentAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("pk", "line", "old_weight", "new_weight", "reason", "created_by", "created_at")
    search_fields = ("reason",)
    list_select_related = ("line", "created_by")


@admin.register(Snapshot)
class SnapshotAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("pk", "proposal", "event", "hand_back", "created_at")
    list_select_related = ("proposal",)


@admin.register(ProposalComment)
class ProposalCommentAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("pk", "proposal", "author", "excerpt", "created_at")
    search_fields = ("text", "author__username")
    list_select_related = ("proposal", "author")
    date_hierarchy = "created_at"

    @admin.display(description="comment")
    def excerpt(self, comment: ProposalComment) -> str:
        return comment.text[:80]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return admin.ModelAdmin.has_delete_permission(self, request, obj)  # moderation


@admin.register(Allocation)
class AllocationAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("pk", "proposal", "member", "weight", "total_weight", "amount", "currency")
    list_filter = ("currency",)
    search_fields = ("member__username", "proposal__production__title")
    list_select_related = ("proposal", "member")


# The ledger ---------------------------------------------------------------------------------


@admin.register(Account)
class AccountAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("key", "kind", "currency", "production", "member")
    list_filter = ("kind", "currency")
    search_fields = ("key",)
    list_select_related = ("production", "member")


class EntryInline(ReadOnlyInline):
    model = Entry
    fields = ("account", "amount", "currency")
    show_change_link = False


@admin.register(Transaction)
class TransactionAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("pk", "memo", "created_by", "created_at")
    search_fields = ("memo",)
    list_select_related = ("created_by",)
    date_hierarchy = "created_at"
    inlines = (EntryInline,)


@admin.register(Entry)
class EntryAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("pk", "transaction", "account", "amount", "currency")
    list_filter = ("currency", "account__kind")
    search_fields = ("account__key", "transaction__memo")
    list_select_related = ("transaction", "account")


@admin.register(Payout)
class PayoutAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("pk", "member", "amount", "currency", "state", "created_at")
    list_filter = ("state", "currency")
    search_fields = ("member__username", "idempotency_key")
    list_select_related = ("member",)
    date_hierarchy = "created_at"
