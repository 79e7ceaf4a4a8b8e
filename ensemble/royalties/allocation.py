"""Dividing an amount by weights: the largest-remainder method, exact and deterministic.

Each part starts at the floor of its exact share `total × weight / Σweights` (computed in
integers, no rounding error); the minor units left over (fewer than the number of parts) go
one each to the parts with the largest remainders; ties go to the larger weight, then to the
lower key. The parts sum exactly to `total`, and each is within one minor unit of its exact share.
"""

from collections.abc import Mapping
from fractions import Fraction

from ensemble.core.errors import EnsembleError


def exact_shares(weights: Mapping[int, int]) -> dict[int, Fraction]:
    total = sum(weights.values())
    if total <= 0:
        raise EnsembleError("The weights sum to zero: there is nobody to pay.")
    return {key: Fraction(weight, total) for key, weight in weights.items()}


def allocate(total: int, weights: Mapping[int, int]) -> dict[int, int]:
    """`total` minor units divided among `weights`' keys (member ids)."""
    if isinstance(total, bool) or not isinstance(total, int) or total < 0:
        raise EnsembleError("The amount to divide must be a whole number of minor units, ≥ 0.")
    for weight in weights.values():
        if isinstance(weight, bool) or not isinstance(weight, int) or weight < 0:
            raise EnsembleError("Weights must be whole numbers, zero or more.")
    weight_sum = sum(weights.values())
    if weight_sum <= 0:
        raise EnsembleError("The weights sum to zero: there is nobody to pay.")
    parts: dict[int, int] = {}
    remainders: dict[int, int] = {}
    for key, weight in weights.items():
        parts[key], remainders[key] = divmod(total * weight, weight_sum)
    left = total - sum(parts.values())
    order = sorted(weights, key=lambda key: (-remainders[key], -weights[key], key))
    for key in order[:left]:
        parts[key] += 1
    return parts
