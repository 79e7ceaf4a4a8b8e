"""The double-entry ledger: accounts by key, balanced transactions, balances as sums."""

from collections import defaultdict
from collections.abc import Sequence

from django.db import transaction as db_transaction
from django.db.models import Sum

from ensemble.accounts.models import Member
from ensemble.core.errors import EnsembleError
from ensemble.productions.models import Production

from .models import Account, Entry, Transaction


def account_for(
    *,
    kind: str,
    currency: str,
    production: Production | None = None,
    member: Member | None = None,
) -> Account:
    """The account of that kind, made on first use (a unique key: concurrent callers share it)."""
    if kind in (Account.Kind.FUNDING, Account.Kind.POOL):
        assert production is not None
        key = f"{kind}:{production.pk}:{currency}"
    elif kind == Account.Kind.PAYABLE:
        assert member is not None
        key = f"{kind}:{member.pk}:{currency}"
    else:
        key = f"{kind}:{currency}"
    account, _ = Account.objects.get_or_create(
        key=key,
        defaults={"kind": kind, "currency": currency, "production": production, "member": member},
    )
    return account


def account_locked(account: Account) -> Account:
    """The account row, locked until the transaction ends (the payout path serialises on it)."""
    return Account.objects.select_for_update().get(pk=account.pk)


@db_transaction.atomic
def transaction_post(
    *, memo: str, lines: Sequence[tuple[Account, int]], created_by: Member | None = None
) -> Transaction:
    """One transaction whose entries sum to zero in each currency."""
    sums: dict[str, int] = defaultdict(int)
    for account, amount in lines:
        if isinstance(amount, bool) or not isinstance(amount, int):
            raise EnsembleError("Ledger amounts are whole minor units.")
        sums[account.currency] += amount
    if not lines or any(sums.values()):
        raise EnsembleError("A ledger transaction must balance: its entries sum to zero.")
    posted = Transaction.objects.create(memo=memo[:300], created_by=created_by)
    Entry.objects.bulk_create(
        [
            Entry(transaction=posted, account=account, amount=amount, currency=account.currency)
            for account, amount in lines
            if amount
        ]
    )
    return posted


def account_balance(account: Account) -> int:
    return int(Entry.objects.filter(account=account).aggregate(total=Sum("amount"))["total"] or 0)
