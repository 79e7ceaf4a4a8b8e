"""The largest-remainder allocation: exact sums, within one minor unit, deterministic."""

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ensemble.core.errors import EnsembleError
from ensemble.core.money import CURRENCIES, MAX_MINOR_UNITS, money_format, money_parse
from ensemble.royalties.allocation import allocate

weights_strategy = st.dictionaries(
    keys=st.integers(min_value=1, max_value=10_000),
    values=st.integers(min_value=0, max_value=10**12),
    min_size=1,
    max_size=40,
).filter(lambda weights: sum(weights.values()) > 0)


@st.composite
def pools(draw: st.DrawFn) -> tuple[str, int]:
    """A currency and a pool typed in its major units ("1234.5", "7", "0.125"), parsed."""
    currency = draw(st.sampled_from(sorted(CURRENCIES)))
    places = CURRENCIES[currency]
    minor = draw(st.integers(min_value=0, max_value=MAX_MINOR_UNITS))
    whole, part = divmod(minor, 10**places)
    text = f"{whole}.{part:0{places}d}" if places else str(whole)
    total = money_parse(text, currency)
    assert total == minor
    return currency, total


@settings(max_examples=300, deadline=None)
@given(pool=pools(), weights=weights_strategy)
def test_parts_sum_exactly_and_each_is_within_one_minor_unit(
    pool: tuple[str, int], weights: dict[int, int]
) -> None:
    currency, total = pool
    parts = allocate(total, weights)
    assert sum(parts.values()) == total
    assert set(parts) == set(weights)
    weight_sum = sum(weights.values())
    for key, part in parts.items():
        exact = Fraction(total * weights[key], weight_sum)
        assert abs(part - exact) < 1, (key, part, exact)
        assert part >= 0
        if weights[key] == 0:
            assert part == 0
    # Formatting never loses a unit, whatever the currency's exponent.
    assert money_format(total, currency).startswith(currency)


@settings(max_examples=150, deadline=None)
@given(total=st.integers(min_value=0, max_value=10**9), weights=weights_strategy)
def test_the_same_input_in_any_order_gives_the_same_parts(
    total: int, weights: dict[int, int]
) -> None:
    reversed_weights = dict(reversed(list(weights.items())))
    assert allocate(total, weights) == allocate(total, reversed_weights)


def test_ties_go_to_the_larger_weight_then_the_lower_id() -> None:
    # 100 yen among three equal weights: 33 each, the one left to the lowest id.
    assert allocate(100, {7: 1, 3: 1, 5: 1}) == {3: 34, 5: 33, 7: 33}
    # Exact 0.75, 0.75, 1.5: the two larger remainders get the two units left.
    assert allocate(3, {1: 1, 2: 1, 3: 2}) == {1: 1, 2: 1, 3: 1}
    # Exact 0.5 and 1.5, equal remainders, one unit left: the larger weight gets it.
    assert allocate(2, {1: 1, 2: 3}) == {1: 0, 2: 2}


def test_a_zero_decimal_currency_is_divided_in_whole_units() -> None:
    parts = allocate(10, {1: 1, 2: 1, 3: 1})  # JPY 10 among three
    assert sorted(parts.values()) == [3, 3, 4] and parts[1] == 4


@pytest.mark.parametrize(
    ("total", "weights", "message"),
    [
        (100, {1: 0, 2: 0}, "sum to zero"),
        (100, {}, "sum to zero"),
        (-1, {1: 1}, "whole number of minor units"),
        (1.5, {1: 1}, "whole number of minor units"),
        (100, {1: -2, 2: 3}, "zero or more"),
        (100, {1: 0.5}, "zero or more"),
    ],
)
def test_bad_input_is_refused_with_a_message(total: object, weights: dict, message: str) -> None:
    with pytest.raises(EnsembleError, match=message):
        allocate(total, weights)  # type: ignore[arg-type]
