"""Revenue share: pools, proposals computed from a cut, allocations and an append-only ledger.

Money is integer minor units with an ISO currency (`ensemble.core.money`). Weights are integer
micro-units (one second of footage on screen is 1,000,000); shares are exact fractions of them.

The ledger (`Account`, `Transaction`, `Entry`) is double-entry and append-only: the entries of
a transaction sum to zero, and a correction is a new transaction. The application refuses to
change or delete a posted row (`save()` of an existing row, `delete()`, queryset `update()` and
`delete()`); on PostgreSQL a trigger refuses UPDATE and DELETE as well (migration 0002).
"""

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from ensemble.core.errors import EnsembleError
from ensemble.core.money import CURRENCY_CHOICES

BASIS_POINTS = 10_000


class Pool(models.Model):
    """A production's community pool, in one currency."""

    production = models.OneToOneField(
        "productions.Production", on_delete=models.PROTECT, related_name="pool"
    )
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    community_share_bp = models.PositiveIntegerField(
        default=5000, help_text="Part of profit that goes to the artists, in basis points."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(community_share_bp__lte=BASIS_POINTS), name="pool_share_at_most_all"
            ),
        ]

    def __str__(self) -> str:
        return f"pool of {self.production_id} ({self.currency})"


class AppendOnlyQuerySet(models.QuerySet[Any]):
    """Rows that are never changed nor deleted once written."""

    def update(self, **kwargs: Any) -> int:
        raise EnsembleError(f"{self.model.__name__} rows are append-only: post a correction.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise EnsembleError(f"{self.model.__name__} rows are append-only: post a correction.")


class AppendOnly(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise EnsembleError(f"{type(self).__name__} rows are append-only: post a correction.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise EnsembleError(f"{type(self).__name__} rows are append-only: post a correction.")


class PoolEntry(AppendOnly):
    """Money entering a pool: a budget, or a profit of which the community share counts."""

    class Kind(models.TextChoices):
        BUDGET = "budget", "Budget"
        PROFIT = "profit", "Profit"

    pool = models.ForeignKey(Pool, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    revenue = models.BigIntegerField(help_text="Minor units: the budget, or the revenue.")
    costs = models.BigIntegerField(default=0, help_text="Minor units (profit entries).")
    share_bp = models.PositiveIntegerField(help_text="The community share applied.")
    amount = models.BigIntegerField(help_text="Minor units that entered the pool.")
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    reason = models.CharField(max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    transaction = models.OneToOneField(
        "royalties.Transaction", on_delete=models.PROTECT, related_name="pool_entry"
    )

    class Meta:
        ordering = ["pool", "created_at", "id"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(revenue__gte=0, costs__gte=0, amount__gte=0),
                name="poolentry_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} {self.currency}"


class Proposal(models.Model):
    """A proposed division of a pool among a cut's credited artists.

    draft ──publish──▶ published ──(window passes) finalise──▶ finalised
    """

    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Open for comments"
        FINALISED = "finalised", "Finalised"

    production = models.ForeignKey(
        "productions.Production", on_delete=models.PROTECT, related_name="proposals"
    )
    cut = models.ForeignKey("productions.Cut", on_delete=models.PROTECT, related_name="proposals")
    cut_revision = models.PositiveIntegerField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    window_days = models.PositiveIntegerField(default=14)
    upstream_share_bp = models.PositiveIntegerField(default=3000)
    leaders_hand_back = models.BooleanField(default=False)
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    amount = models.BigIntegerField(null=True, blank=True, help_text="Allocated (minor units).")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)
    finalised_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(upstream_share_bp__lte=BASIS_POINTS), name="proposal_upstream_share"
            ),
        ]

    def __str__(self) -> str:
        return f"proposal {self.pk} for {self.production_id} ({self.state})"


class ProposalLine(models.Model):
    """One credited artist's weight in a proposal, with how it was computed."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="lines")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    computed_weight = models.BigIntegerField(help_text="Micro-units, from the cut and lineage.")
    weight = models.BigIntegerField(help_text="Micro-units, after the leaders' adjustments.")
    is_leader = models.BooleanField(default=False)
    roles = models.JSONField(default=list)
    breakdown = models.JSONField(default=dict)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["proposal", "position", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["proposal", "member"], name="line_member_unique"),
            models.CheckConstraint(
                condition=Q(weight__gte=0, computed_weight__gte=0), name="line_weight_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"line {self.member_id} of proposal {self.proposal_id}"


class Adjustment(models.Model):
    line = models.ForeignKey(ProposalLine, on_delete=models.CASCADE, related_name="adjustments")
    old_weight = models.BigIntegerField()
    new_weight = models.BigIntegerField()
    reason = models.CharField(max_length=500)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.old_weight} → {self.new_weight}"


class Snapshot(models.Model):
    """The shares of a proposal at a publish or a change: {member id: weight}."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="snapshots")
    event = models.CharField(max_length=200)
    weights = models.JSONField(default=dict)
    hand_back = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"snapshot {self.pk}: {self.event}"


class ProposalComment(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(max_length=5000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"comment {self.pk}"


class Allocation(AppendOnly):
    """A finalised amount for one artist; a proposal's allocations sum to its amount."""

    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="allocations")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    weight = models.BigIntegerField()
    total_weight = models.BigIntegerField()
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)

    class Meta:
        ordering = ["proposal", "-amount", "member"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["proposal", "member"], name="allocation_unique"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="allocation_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} to {self.member_id}"


# The ledger -----------------------------------------------------------------------------------


class Account(models.Model):
    """A place money sits. `key` names it: "funding:<production>:<cur>" (money from outside),
    "pool:<production>:<cur>", "payable:<member>:<cur>" (owed to an artist),
    "payouts:<cur>" (paid out)."""

    class Kind(models.TextChoices):
        FUNDING = "funding", "Funding"
        POOL = "pool", "Pool"
        PAYABLE = "payable", "Artist payable"
        PAYOUTS = "payouts", "Payouts"

    key = models.CharField(max_length=80, unique=True)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    production = models.ForeignKey(
        "productions.Production", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return self.key


class Transaction(AppendOnly):
    memo = models.CharField(max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"transaction {self.pk}: {self.memo}"


class Entry(AppendOnly):
    """Signed minor units: positive adds to the account, negative takes from it."""

    transaction = models.ForeignKey(Transaction, on_delete=models.PROTECT, related_name="entries")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="entries")
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)

    class Meta:
        ordering = ["transaction", "id"]
        indexes: ClassVar = [models.Index(fields=["account"], name="entry_account_idx")]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} on {self.account_id}"


class Payout(AppendOnly):
    """Money paid out to an artist (recorded here; the transfer itself happens elsewhere)."""

    class State(models.TextChoices):
        RECORDED = "recorded", "Recorded"

    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    idempotency_key = models.CharField(max_length=200, unique=True)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of the request body.")
    state = models.CharField(max_length=10, choices=State.choices, default=State.RECORDED)
    transaction = models.OneToOneField(Transaction, on_delete=models.PROTECT, related_name="payout")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payout_positive"),
        ]

    def __str__(self) -> str:
        return f"payout {self.pk}: {self.amount} {self.currency}"
