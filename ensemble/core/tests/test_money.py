"""Money is integer minor units: amounts people type are parsed exactly or refused."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ensemble.core.errors import EnsembleError
from ensemble.core.money import (
    CURRENCIES,
    MAX_MINOR_UNITS,
    money_format,
    money_input,
    money_parse,
)


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [
        ("1234.50", "EUR", 123450),
        ("1,234.5", "eur", 123450),
        ("0.01", "USD", 1),
        ("5000", "JPY", 5000),
        ("1.234", "KWD", 1234),
        (42, "GBP", 4200),
        (Decimal("7.10"), "EUR", 710),
    ],
)
def test_amounts_become_exact_minor_units(text: object, currency: str, minor: int) -> None:
    assert money_parse(text, currency) == minor  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "currency", "message"),
    [
        ("10.001", "EUR", "EUR amounts have at most 2 decimal places"),
        ("10.5", "JPY", "JPY amounts have whole units"),
        ("-1", "EUR", "cannot be negative"),
        ("NaN", "EUR", "not an amount"),
        ("Infinity", "EUR", "not an amount"),
        ("1e30", "EUR", "too large"),
        ("1e999999999", "EUR", "too large"),
        ("1e-999999999", "EUR", "EUR amounts have at most 2 decimal places"),
        ("1e-999999999", "JPY", "JPY amounts have whole units"),
        ("ten", "EUR", "not an amount"),
        ("10", "DOGE", "not a currency"),
        (1.5, "EUR", "written as text"),
    ],
)
def test_bad_amounts_are_refused_never_rounded(text: object, currency: str, message: str) -> None:
    with pytest.raises(EnsembleError, match=message):
        money_parse(text, currency)  # type: ignore[arg-type]


def test_amounts_are_shown_with_their_currency() -> None:
    assert money_format(123450, "EUR") == "EUR 1,234.50"
    assert money_format(5000, "JPY") == "JPY 5,000"
    assert money_format(-5, "USD") == "USD -0.05"
    assert money_input(123405, "EUR") == "1234.05"


@given(
    minor=st.integers(min_value=0, max_value=MAX_MINOR_UNITS),
    currency=st.sampled_from(sorted(CURRENCIES)),
)
def test_what_a_form_shows_parses_back_to_the_same_amount(minor: int, currency: str) -> None:
    assert money_parse(money_input(minor, currency), currency) == minor
    assert money_parse(money_format(minor, currency).split(" ", 1)[1], currency) == minor
