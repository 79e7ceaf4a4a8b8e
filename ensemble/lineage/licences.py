"""What each licence allows, and the licence a remix gets from its sources and its artist.

The full table, and why each cell is what it is, is in `docs/lineage-licences.md`. In short:

- A source whose licence forbids derivatives (ND) cannot be built on at all.
- Share-alike licences — CC BY-SA, CC BY-NC-SA and the Ensemble remix licence — each require
  the remix to carry exactly that licence, so two different ones never combine.
- A non-commercial (NC) source requires a non-commercial licence; that rules out CC BY-SA and
  the Ensemble remix licence (whose productions earn money), so NC only combines with
  BY-NC-SA among the share-alike licences.
- CC BY requires attribution (any licence but CC0); CC0 requires nothing.
- The artist's choice is kept when it satisfies every source; otherwise it is refused with the
  licences that would. With no choice, a remix gets the Ensemble remix licence (the platform's
  default) when the sources allow it, and otherwise the least restrictive licence they allow.

The Ensemble remix licence is treated as share-alike within Ensemble: a record under it may be
built on only on Ensemble, with credit, and productions that use it share their revenue. A remix
licensed CC BY or CC BY-SA could be taken off Ensemble and used anywhere, carrying the Ensemble
source with it, so a remix of an Ensemble-licensed record stays under the Ensemble licence.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from ensemble.core.errors import EnsembleError, NotAllowed
from ensemble.records.models import Licence


@dataclass(frozen=True)
class LicenceTerms:
    derivatives: bool  # others may build on the work
    commercial: bool  # others may use it commercially (Ensemble: in productions that share revenue)
    share_alike: bool  # a remix must carry this same licence
    attribution: bool  # a remix must credit the artist


TERMS: dict[Licence, LicenceTerms] = {
    Licence.ENSEMBLE: LicenceTerms(
        derivatives=True, commercial=True, share_alike=True, attribution=True
    ),
    Licence.CC_BY: LicenceTerms(
        derivatives=True, commercial=True, share_alike=False, attribution=True
    ),
    Licence.CC_BY_SA: LicenceTerms(
        derivatives=True, commercial=True, share_alike=True, attribution=True
    ),
    Licence.CC_BY_NC: LicenceTerms(
        derivatives=True, commercial=False, share_alike=False, attribution=True
    ),
    Licence.CC_BY_NC_SA: LicenceTerms(
        derivatives=True, commercial=False, share_alike=True, attribution=True
    ),
    Licence.CC_BY_ND: LicenceTerms(
        derivatives=False, commercial=True, share_alike=False, attribution=True
    ),
    Licence.CC_BY_NC_ND: LicenceTerms(
        derivatives=False, commercial=False, share_alike=False, attribution=True
    ),
    Licence.CC0: LicenceTerms(
        derivatives=True, commercial=True, share_alike=False, attribution=False
    ),
}

DEFAULT = Licence.ENSEMBLE


class LicensedSource(NamedTuple):
    """A source as the rules see it: its licence, and how messages name it."""

    licence: str
    name: str = ""  # e.g. “Night walk” by Ann; empty means "a <licence> source"


SourceLike = LicensedSource | Licence | str


def terms(licence: str) -> LicenceTerms:
    return TERMS[_licence(licence)]


def licence_requirement(*, sources: Sequence[SourceLike]) -> Licence:
    """The least restrictive licence a remix of these sources may carry.

    Every licence the remix may carry is one `licence_accepts(requirement, ...)` allows. Raises
    NotAllowed for a source that forbids derivatives and EnsembleError for sources that cannot
    be combined, naming the sources.
    """
    return _requirement(_sources(sources))[0]


def licence_accepts(requirement: str, chosen: str) -> bool:
    """Whether a remix whose sources require `requirement` may be licensed `chosen`."""
    need, choice = terms(requirement), terms(chosen)
    if need.share_alike:
        return _licence(chosen) == _licence(requirement)
    if need.attribution and not choice.attribution:
        return False
    return need.commercial or not choice.commercial


def licences_accepted(requirement: str) -> list[Licence]:
    return [licence for licence in Licence if licence_accepts(requirement, licence)]


def licence_for_remix(*, chosen: str | None, sources: Sequence[SourceLike]) -> Licence:
    """The licence a record built on `sources` gets when its artist chose `chosen` (or nothing).

    - `chosen` is kept when every source allows it; otherwise EnsembleError (field "licence")
      says which licences the sources allow.
    - With no choice: the Ensemble remix licence when the sources allow it, otherwise the least
      restrictive licence they allow.
    - A source that forbids derivatives: NotAllowed (field "sources"); sources that cannot be
      combined: EnsembleError (field "sources"). Both messages name the sources.
    """
    choice = _licence(chosen) if chosen else None
    items = _sources(sources)
    if not items:
        return choice or DEFAULT
    requirement, imposed_by = _requirement(items)
    if choice is None:
        return DEFAULT if licence_accepts(requirement, DEFAULT) else requirement
    if licence_accepts(requirement, choice):
        return choice
    raise EnsembleError(_choice_refused(requirement, imposed_by, choice), field="licence")


# Internals ----------------------------------------------------------------------------------


def _licence(value: str) -> Licence:
    try:
        return Licence(value)
    except ValueError:
        raise EnsembleError(f"Unknown licence {value!r}.", field="licence") from None


def _sources(sources: Iterable[SourceLike]) -> list[LicensedSource]:
    items = []
    for source in sources:
        if isinstance(source, LicensedSource):
            items.append(LicensedSource(_licence(source.licence), source.name))
        else:
            items.append(LicensedSource(_licence(source)))
    return items


def _label(licence: str) -> str:
    return str(Licence(licence).label)


def _as(licence: str) -> str:
    """How "licensed …" ends: "CC BY-SA 4.0", "under the Ensemble remix licence"."""
    if licence == Licence.ENSEMBLE:
        return "under the Ensemble remix licence"
    return _label(licence)


def _name(source: LicensedSource) -> str:
    if source.name:
        return f"{source.name} ({_label(source.licence)})"
    return f"a source licensed {_as(source.licence)}"


def _requirement(sources: list[LicensedSource]) -> tuple[Licence, LicensedSource | None]:
    """The requirement and the source that imposes it (None when nothing is required)."""
    for source in sources:
        if not terms(source.licence).derivatives:
            raise NotAllowed(
                f"{_capital(_name(source))} does not allow derivative works, so nothing may be "
                "built on it.",
                field="sources",
            )
    copyleft = [s for s in sources if terms(s.licence).share_alike]
    for other in copyleft[1:]:
        if other.licence != copyleft[0].licence:
            raise EnsembleError(
                f"These sources cannot be combined: {_name(copyleft[0])} requires remixes to be "
                f"licensed {_as(copyleft[0].licence)} and {_name(other)} requires them to be "
                f"licensed {_as(other.licence)}; no licence satisfies both.",
                field="sources",
            )
    non_commercial = [s for s in sources if not terms(s.licence).commercial]
    if copyleft:
        forced = copyleft[0]
        if non_commercial and terms(forced.licence).commercial:
            raise EnsembleError(
                f"These sources cannot be combined: {_name(forced)} requires remixes to be "
                f"licensed {_as(forced.licence)}, which allows commercial use, but "
                f"{_name(non_commercial[0])} forbids commercial use.",
                field="sources",
            )
        return Licence(forced.licence), forced
    if non_commercial:
        return Licence.CC_BY_NC, non_commercial[0]
    attributed = [s for s in sources if terms(s.licence).attribution]
    if attributed:
        return Licence.CC_BY, attributed[0]
    return Licence.CC0, None


def _choice_refused(
    requirement: Licence, imposed_by: LicensedSource | None, chosen: Licence
) -> str:
    allowed = _or_list([_label(licence) for licence in licences_accepted(requirement)])
    because = _capital(_name(imposed_by)) if imposed_by else "Its sources"
    need = terms(requirement)
    if need.share_alike:
        reason = f"{because} requires remixes to be licensed {_as(requirement)}"
    elif not need.commercial:
        reason = f"{because} forbids commercial use, so this record needs {allowed}"
    else:
        reason = f"{because} requires attribution, which CC0 gives up, so choose another licence"
    return f"{reason}; it cannot be licensed {_as(chosen)}."


def _or_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
