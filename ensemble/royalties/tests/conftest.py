"""Royalties fixtures: a production with a cut made through the real services.

`text_cut` is fast (text records only: subtitles, one built on a poem); the full flow uses
real media through the productions fixtures (`make_media`).
"""

from collections.abc import Callable
from typing import Any

import pytest

from ensemble.collabs.tests.conftest import (  # noqa: F401 - fixtures
    artist,
    collab_media,
    collaboration,
    leader,
    make_collaboration,
)
from ensemble.lineage.services import SourceSpec
from ensemble.productions import services as productions
from ensemble.productions.models import Cut
from ensemble.productions.tests.conftest import (  # noqa: F401 - fixtures
    make_media,
    production_media,
    small_ladder,
)
from tests.factories import text_record


@pytest.fixture
def people(make_member: Callable[..., Any]) -> dict[str, Any]:
    names = {"poet": "Ana", "writer": "Ben", "stranger": "Cy"}
    return {key: make_member(username=key, display_name=name) for key, name in names.items()}


@pytest.fixture
def text_cut(people: dict[str, Any], leader: Any, collaboration: Any) -> Cut:  # noqa: F811
    """A cut with two subtitles: the writer's, built on the poet's poem, and the poet's own."""
    poem = text_record(people["poet"], title="Streets", text="walking through my city")
    lines = text_record(
        people["writer"],
        title="Lines",
        text="my city at night",
        sources=[SourceSpec(record_id=poem.pk, role="text")],
    )
    production = productions.production_create(
        owner=leader, title="In a City", collaboration=collaboration
    )
    cut = productions.cut_create(actor=leader, production=production, name="Official")
    productions.title_add(
        actor=leader, cut=cut, version=lines.current_version, start=0, duration=1, kind="subtitle"
    )
    productions.title_add(
        actor=leader, cut=cut, version=poem.current_version, start=2, duration=1, kind="subtitle"
    )
    return Cut.objects.select_related("production").get(pk=cut.pk)
