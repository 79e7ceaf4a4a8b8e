"""Every cell of the licence tables: two sources, and the sources with the artist's choice.

The expected tables are written out here by hand, checked against the code cell by cell, and
checked to be the tables published in docs/lineage-licences.md.
"""

import itertools
import re
from pathlib import Path

import pytest

from ensemble.core.errors import EnsembleError, NotAllowed
from ensemble.lineage.licences import (
    TERMS,
    LicensedSource,
    licence_accepts,
    licence_for_remix,
    licence_requirement,
)
from ensemble.records.models import Licence

DOC = Path(__file__).resolve().parents[3] / "docs" / "lineage-licences.md"

E, BY, SA, NC, NCSA, ND, NCND, PD = (
    "ensemble-remix", "cc-by", "cc-by-sa", "cc-by-nc", "cc-by-nc-sa", "cc-by-nd", "cc-by-nc-nd",
    "cc0",
)  # fmt: skip
ALL = [E, BY, SA, NC, NCSA, ND, NCND, PD]
XI, XND, XR = "✗ incompatible", "✗ ND", "✗ refused"

# Table 1: what two sources require (row by column).
PAIRS = {
    E:    [E,   E,    XI,  XI,   XI,   XND, XND, E],
    BY:   [E,   BY,   SA,  NC,   NCSA, XND, XND, BY],
    SA:   [XI,  SA,   SA,  XI,   XI,   XND, XND, SA],
    NC:   [XI,  NC,   XI,  NC,   NCSA, XND, XND, NC],
    NCSA: [XI,  NCSA, XI,  NCSA, NCSA, XND, XND, NCSA],
    ND:   [XND] * 8,
    NCND: [XND] * 8,
    PD:   [E,   BY,   SA,  NC,   NCSA, XND, XND, PD],
}  # fmt: skip

CHOICES = [None, *ALL]
# Table 2: a source's licence (or the requirement from Table 1) by the artist's choice.
WITH_CHOICE = {
    E:    [E,    E,  XR, XR, XR, XR,   XR, XR,   XR],
    BY:   [E,    E,  BY, SA, NC, NCSA, ND, NCND, XR],
    SA:   [SA,   XR, XR, SA, XR, XR,   XR, XR,   XR],
    NC:   [NC,   XR, XR, XR, NC, NCSA, XR, NCND, XR],
    NCSA: [NCSA, XR, XR, XR, XR, NCSA, XR, XR,   XR],
    ND:   [XND] * 9,
    NCND: [XND] * 9,
    PD:   [E,    E,  BY, SA, NC, NCSA, ND, NCND, PD],
}  # fmt: skip


def _outcome(call):
    try:
        return call()
    except NotAllowed as exc:
        assert "does not allow derivative works" in exc.message
        assert exc.field == "sources"
        return XND
    except EnsembleError as exc:
        if exc.field == "sources":
            assert "These sources cannot be combined" in exc.message
            return XI
        assert exc.field == "licence"
        assert "it cannot be licensed" in exc.message
        return XR


@pytest.mark.parametrize(("first", "second"), list(itertools.product(ALL, ALL)))
def test_two_sources_require_the_table_1_licence(first, second):
    expected = PAIRS[first][ALL.index(second)]
    assert _outcome(lambda: licence_requirement(sources=[first, second])) == expected


@pytest.mark.parametrize(("source", "chosen"), list(itertools.product(ALL, CHOICES)))
def test_one_source_and_a_choice_give_the_table_2_licence(source, chosen):
    expected = WITH_CHOICE[source][CHOICES.index(chosen)]
    assert _outcome(lambda: licence_for_remix(chosen=chosen, sources=[source])) == expected


@pytest.mark.parametrize(("first", "second", "chosen"), list(itertools.product(ALL, ALL, CHOICES)))
def test_two_sources_and_a_choice_follow_table_1_then_table_2(first, second, chosen):
    combined = PAIRS[first][ALL.index(second)]
    expected = (
        combined if combined.startswith("✗") else WITH_CHOICE[combined][CHOICES.index(chosen)]
    )
    assert _outcome(lambda: licence_for_remix(chosen=chosen, sources=[first, second])) == expected


@pytest.mark.parametrize(("first", "second", "third"), list(itertools.product(ALL, repeat=3)))
def test_combining_is_associative_so_any_number_of_sources_reduces_to_one(first, second, third):
    together = _outcome(lambda: licence_requirement(sources=[first, second, third]))
    pair = _outcome(lambda: licence_requirement(sources=[first, second]))
    if pair.startswith("✗"):  # refused either way (an ND source is named first)
        assert together.startswith("✗")
        assert together == pair or XND in (
            together,
            _outcome(lambda: licence_requirement(sources=[third])),
        )
    else:
        assert together == _outcome(lambda: licence_requirement(sources=[pair, third]))


def test_the_requirement_is_the_least_restrictive_licence_allowed():
    for licence in [E, BY, SA, NC, NCSA, PD]:
        requirement = licence_requirement(sources=[licence])
        assert requirement == licence
        assert licence_accepts(requirement, licence)


def test_the_flags_of_each_licence():
    assert [
        (t.derivatives, t.commercial, t.share_alike, t.attribution) for t in TERMS.values()
    ] == [
        (True, True, True, True),  # ensemble-remix: share-alike within Ensemble
        (True, True, False, True),
        (True, True, True, True),
        (True, False, False, True),
        (True, False, True, True),
        (False, True, False, True),
        (False, False, False, True),
        (True, True, False, False),
    ]
    assert list(TERMS) == list(Licence)


def test_the_tables_in_the_docs_are_these_tables():
    text = DOC.read_text()
    assert _table(text, "## Table 1") == {k: [str(c) for c in v] for k, v in PAIRS.items()}
    table2 = _table(text, "## Table 2")
    assert table2 == {k: [str(c) for c in v] for k, v in WITH_CHOICE.items()}


def _table(text: str, heading: str) -> dict[str, list[str]]:
    section = text.split(heading, 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ")]
    header = [cell.strip() for cell in rows[0].strip("|").split("|")][1:]
    assert header[-len(ALL) :] == ALL
    table = {}
    for row in rows[2:]:
        cells = [cell.strip().strip("`") for cell in row.strip().strip("|").split("|")]
        table[cells[0]] = cells[1:]
    return table


def test_messages_name_the_sources_and_say_what_would_do():
    ann = LicensedSource(NC, "“Tokyo rain” by Bo")
    with pytest.raises(EnsembleError) as refused:
        licence_for_remix(chosen=BY, sources=[ann])
    assert refused.value.message == (
        "“Tokyo rain” by Bo (CC BY-NC 4.0) forbids commercial use, so this record needs "
        "CC BY-NC 4.0, CC BY-NC-SA 4.0 or CC BY-NC-ND 4.0; it cannot be licensed CC BY 4.0."
    )
    with pytest.raises(EnsembleError) as mixed:
        licence_for_remix(chosen=None, sources=[LicensedSource(SA, "“Night walk” by Ann"), ann])
    assert mixed.value.message == (
        "These sources cannot be combined: “Night walk” by Ann (CC BY-SA 4.0) requires remixes "
        "to be licensed CC BY-SA 4.0, which allows commercial use, but “Tokyo rain” by Bo "
        "(CC BY-NC 4.0) forbids commercial use."
    )
    with pytest.raises(NotAllowed, match=re.escape("“Walls” by Cy (CC BY-ND 4.0) does not")):
        licence_for_remix(chosen=None, sources=[LicensedSource(ND, "“Walls” by Cy")])
    with pytest.raises(EnsembleError, match="licensed under the Ensemble remix licence; it cannot"):
        licence_for_remix(chosen=BY, sources=[E])


def test_no_sources_keep_the_choice_or_the_default_and_unknown_licences_are_refused():
    assert licence_for_remix(chosen=None, sources=[]) == Licence.ENSEMBLE
    assert licence_for_remix(chosen=NCND, sources=[]) == Licence.CC_BY_NC_ND
    with pytest.raises(EnsembleError, match="Unknown licence 'all-rights'"):
        licence_for_remix(chosen="all-rights", sources=[BY])
    with pytest.raises(EnsembleError, match="Unknown licence 'gpl'"):
        licence_for_remix(chosen=None, sources=["gpl"])
