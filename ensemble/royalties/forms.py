"""Page forms of the revenue share. They gather input; the services hold the rules and messages.

Fields stay loose (text, and selects of text) on purpose: a bad amount, currency, weight or
reason reaches the service, whose message is then shown next to the field, the same one the API
gives. The forms only turn what a page shows in percent and days into what the services take
(basis points, whole days), with a message in those same terms.
"""

import secrets
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms

from ensemble.core.errors import EnsembleError
from ensemble.core.money import CURRENCY_CHOICES

from .models import BASIS_POINTS

_MONEY = {"inputmode": "decimal", "maxlength": 24, "autocomplete": "off"}
_REASON = {"maxlength": 300, "autocomplete": "off"}


def percent_to_bp(value: str | None, *, field: str, what: str) -> int:
    """A percentage a person typed ("30", "12.5 %") as basis points (3000, 1250)."""
    text = (value or "").strip().removesuffix("%").strip()
    if "e" in text.lower() or len(text) > 12:
        raise EnsembleError(f"Write the {what} as a percentage, such as 30 or 12.5.", field=field)
    try:
        number = Decimal(text)
    except InvalidOperation as exc:
        raise EnsembleError(
            f"Write the {what} as a percentage, such as 30 or 12.5.", field=field
        ) from exc
    if not number.is_finite() or not 0 <= number <= 100:
        raise EnsembleError(f"The {what} is a percentage from 0 to 100.", field=field)
    points = number * BASIS_POINTS / 100
    if points != points.to_integral_value():
        raise EnsembleError(f"The {what} has at most two decimal places.", field=field)
    return int(points)


def plain_number(value: str | None, *, field: str, example: str) -> str:
    """What a person typed for an amount or a weight, refused when written in exponent form
    ("1e999999999"): the services parse the rest, with their own messages."""
    text = (value or "").strip()
    try:
        number = Decimal(text.replace(",", "").replace("_", ""))
    except InvalidOperation:
        return text  # not a number at all: the service says so
    if number.is_finite() and "e" in text.lower():
        raise EnsembleError(f"Write it in plain digits, such as {example}.", field=field)
    return text


def row_id(value: str | None, *, field: str, message: str) -> int:
    """A choice's id (a cut, an artist), refused unless it is a plain, database-sized number."""
    text = (value or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        raise EnsembleError(message, field=field)
    return int(text)


def whole_days(value: str | None, *, field: str) -> int:
    text = (value or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 4:
        raise EnsembleError(
            "The comment window is a whole number of days, such as 14.", field=field
        )
    return int(text)


def new_idempotency_key() -> str:
    """A fresh key for each payout form shown: sending that form twice has one effect."""
    return secrets.token_urlsafe(24)


class _Form(forms.Form):
    """Loose fields: nothing is required here, the services say what is missing."""

    def value(self, name: str) -> str:
        if not hasattr(self, "cleaned_data"):
            self.is_valid()
        return str(self.cleaned_data.get(name) or "")

    def number(self, name: str, example: str = "1200.50") -> str:
        return plain_number(self.value(name), field=name, example=example)


def _currency_field(**kwargs: Any) -> forms.CharField:
    return forms.CharField(required=False, widget=forms.Select(choices=CURRENCY_CHOICES), **kwargs)


class PoolOpenForm(_Form):
    currency = _currency_field(
        initial="EUR", help_text="Every budget and profit of the pool is in this currency."
    )
    community_share = forms.CharField(
        required=False,
        label="Community share of profits (%)",
        initial="50",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "maxlength": 8}),
        help_text="The part of each profit (revenue minus costs) that goes to the artists.",
    )

    def community_share_bp(self) -> int:
        return percent_to_bp(
            self.value("community_share"), field="community_share", what="community share"
        )


class BudgetForm(_Form):
    amount = forms.CharField(
        required=False, widget=forms.TextInput(attrs={**_MONEY, "placeholder": "1200.00"})
    )
    currency = _currency_field()
    reason = forms.CharField(
        required=False,
        widget=forms.TextInput(attrs={**_REASON, "placeholder": "Festival grant"}),
        help_text="Kept with the entry for everyone who reads the pool's history.",
    )


class ProfitForm(_Form):
    revenue = forms.CharField(
        required=False, widget=forms.TextInput(attrs={**_MONEY, "placeholder": "5000.00"})
    )
    costs = forms.CharField(
        required=False,
        initial="0",
        widget=forms.TextInput(attrs={**_MONEY, "placeholder": "1800.00"}),
    )
    currency = _currency_field()
    reason = forms.CharField(
        required=False,
        widget=forms.TextInput(attrs={**_REASON, "placeholder": "Screenings, March"}),
    )


class ProposalForm(_Form):
    cut = forms.CharField(required=False, widget=forms.Select())
    upstream_share = forms.CharField(
        required=False,
        label="Upstream share (%)",
        initial="30",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "maxlength": 8}),
        help_text="What a work passes on to the works it is built on.",
    )
    window_days = forms.CharField(
        required=False,
        label="Comment window (days)",
        initial="14",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "maxlength": 4}),
    )

    def __init__(self, *args: Any, cuts: Iterable[tuple[int, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cut"].widget.choices = [(str(pk), name) for pk, name in cuts]

    def cut_id(self) -> int:
        return row_id(
            self.value("cut"), field="cut", message="Choose one of this production's cuts."
        )

    def upstream_share_bp(self) -> int:
        return percent_to_bp(
            self.value("upstream_share"), field="upstream_share", what="upstream share"
        )

    def window(self) -> int:
        return whole_days(self.value("window_days"), field="window_days")


class WeightForm(_Form):
    member = forms.CharField(required=False, label="Artist", widget=forms.Select())
    weight = forms.CharField(
        required=False,
        label="Weight (points)",
        widget=forms.TextInput(
            attrs={"inputmode": "decimal", "maxlength": 24, "placeholder": "4.5"}
        ),
        help_text="One point is one second of footage on screen.",
    )
    reason = forms.CharField(
        required=False,
        widget=forms.TextInput(attrs={"maxlength": 500, "autocomplete": "off"}),
        help_text="Shown to the artists once the proposal is published.",
    )

    def __init__(self, *args: Any, lines: Iterable[tuple[int, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].widget.choices = [(str(pk), label) for pk, label in lines]

    def member_id(self) -> int:
        return row_id(
            self.value("member"), field="member", message="Choose the artist whose weight changes."
        )


class HandBackForm(_Form):
    hand_back = forms.CharField(required=False, widget=forms.HiddenInput())
    reason = forms.CharField(
        required=False, widget=forms.TextInput(attrs={"maxlength": 500, "autocomplete": "off"})
    )

    def wanted(self) -> bool:
        return self.value("hand_back") == "1"


class CommentForm(_Form):
    text = forms.CharField(
        required=False,
        strip=False,
        label="Your comment",
        widget=forms.Textarea(
            attrs={
                "rows": 3,
                "maxlength": 5000,
                "placeholder": "Is anyone missing, or weighted wrongly? Say so here.",
            }
        ),
    )


class PayoutForm(_Form):
    amount = forms.CharField(
        required=False, widget=forms.TextInput(attrs={**_MONEY, "placeholder": "50.00"})
    )
    currency = forms.CharField(required=False, widget=forms.Select())
    key = forms.CharField(required=False, widget=forms.HiddenInput())

    def __init__(self, *args: Any, currencies: Iterable[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["currency"].widget.choices = [(code, code) for code in currencies]
        if not self.is_bound:
            self.initial.setdefault("key", new_idempotency_key())
