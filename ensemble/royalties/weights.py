"""Weights of a proposal: what reached the screen, shared with the lineage. Pure functions.

See docs/royalties.md for the formula. In short, in "points" (one second of footage on screen):

- footage (video track): 1 point per second on screen;
- audio (beds): 1/2 point per second used;
- text (titles and subtitles from a text record): 5 points per use;
- a used version's value goes to its author, except the upstream share `u` (e.g. 30%), split
  equally among its direct sources; each source passes on `u` of what it receives to its own
  sources in turn (recursively, to the roots of the lineage); a source with no sources keeps all;
- role lines: "editing" and "production" each add 10% of the material points, split equally
  among the artists credited in that role.

A weight is stored as integer micro-points: `round(points × 1,000,000)` (half to even).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

MICRO = 1_000_000
TRACK_POINTS: dict[str, Fraction] = {
    "video": Fraction(1),  # per second on screen
    "audio": Fraction(1, 2),  # per second used
}
TEXT_POINTS_PER_USE = Fraction(5)
ROLE_LINES: dict[str, Fraction] = {"editing": Fraction(1, 10), "production": Fraction(1, 10)}


@dataclass(frozen=True)
class Use:
    """One use of a version in a cut (a CutItem)."""

    version_id: int
    track: str  # video, audio, text
    seconds: Fraction


@dataclass
class Breakdown:
    screen_seconds: Fraction = Fraction(0)
    audio_seconds: Fraction = Fraction(0)
    text_uses: int = 0
    own: Fraction = Fraction(0)  # points from their own versions in the cut
    upstream: Fraction = Fraction(0)  # points reached through the lineage
    role: Fraction = Fraction(0)  # points of role lines
    roles: list[str] = field(default_factory=list)

    @property
    def points(self) -> Fraction:
        return self.own + self.upstream + self.role

    @property
    def micro(self) -> int:
        return round(self.points * MICRO)

    def as_json(self) -> dict[str, object]:
        return {
            "screen_seconds": _decimal(self.screen_seconds),
            "audio_seconds": _decimal(self.audio_seconds),
            "text_uses": self.text_uses,
            "own_points": _decimal(self.own),
            "upstream_points": _decimal(self.upstream),
            "role_points": _decimal(self.role),
            "roles": list(self.roles),
        }


def _decimal(value: Fraction, places: int = 3) -> str:
    scaled = round(value * 10**places)
    sign = "-" if scaled < 0 else ""
    whole, part = divmod(abs(scaled), 10**places)
    return f"{sign}{whole}.{part:0{places}d}"


def seconds_exact(seconds: float) -> Fraction:
    """Seconds (a float in the cut's rows) as an exact number of milliseconds."""
    return Fraction(round(seconds * 1000), 1000)


def use_points(use: Use) -> Fraction:
    if use.track == "text":
        return TEXT_POINTS_PER_USE
    return TRACK_POINTS.get(use.track, Fraction(0)) * use.seconds


def compute(
    *,
    uses: Sequence[Use],
    authors: Mapping[int, int],
    sources: Mapping[int, Sequence[int]],
    roles: Mapping[int, Iterable[str]],
    upstream_share: Fraction,
    role_lines: Mapping[str, Fraction] = ROLE_LINES,
) -> dict[int, Breakdown]:
    """Each credited artist's breakdown.

    `authors`: version id → author id, for every version used or upstream; `sources`: version
    id → its direct source version ids (the lineage); `roles`: member id → credited roles (every
    credited artist gets a line, even at zero).
    """
    if not 0 <= upstream_share <= 1:
        raise ValueError("upstream share must be between 0 and 1")
    lines: dict[int, Breakdown] = defaultdict(Breakdown)
    for member_id, member_roles in roles.items():
        lines[member_id].roles = list(member_roles)
    spread: dict[int, dict[int, Fraction]] = {}

    def shares_of(version_id: int, seen: frozenset[int]) -> dict[int, Fraction]:
        """How one point of `version_id`'s value divides among artists (its author and,
        through `upstream_share`, everything it is built on)."""
        known = spread.get(version_id)
        if known is not None:
            return known
        found: dict[int, Fraction] = defaultdict(Fraction)
        direct = [s for s in sources.get(version_id, ()) if s in authors and s not in seen]
        if direct:
            found[authors[version_id]] += 1 - upstream_share
            each = upstream_share / len(direct)
            for source in direct:
                for member_id, part in shares_of(source, seen | {version_id}).items():
                    found[member_id] += each * part
        else:
            found[authors[version_id]] += 1
        spread[version_id] = dict(found)
        return spread[version_id]

    material = Fraction(0)
    for use in uses:
        author = authors[use.version_id]
        line = lines[author]
        if use.track == "video":
            line.screen_seconds += use.seconds
        elif use.track == "audio":
            line.audio_seconds += use.seconds
        elif use.track == "text":
            line.text_uses += 1
        value = use_points(use)
        material += value
        direct = [s for s in sources.get(use.version_id, ()) if s in authors]
        own = value * (1 - upstream_share) if direct else value
        line.own += own
        if direct:
            each = value * upstream_share / len(direct)
            for source in direct:
                for member_id, part in shares_of(source, frozenset({use.version_id})).items():
                    lines[member_id].upstream += each * part
    for role, fraction in role_lines.items():
        holders = sorted(m for m, member_roles in roles.items() if role in member_roles)
        for member_id in holders:
            lines[member_id].role += material * fraction / len(holders)
    return dict(lines)
