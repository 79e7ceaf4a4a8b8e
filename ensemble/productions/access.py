"""The one way to load a production, cut or render a given person may see or change.

- A production is edited by its owner and by the leaders of its collaboration (403 for others).
- Before its release time (or with none: a draft) it is seen only by them and staff; others get
  404 for a draft and see it (for a countdown) once a release time is set, but not its cuts.
"""

from django.contrib.auth.models import AnonymousUser
from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Value,
)

from ensemble.accounts.models import Member
from ensemble.collabs.access import is_leader
from ensemble.collabs.models import Leadership
from ensemble.core.errors import NotAllowed, NotFound

from .models import Cut, Production, Render

Viewer = Member | AnonymousUser


def can_edit(viewer: Viewer, production: Production) -> bool:
    if not viewer.is_authenticated:
        return False
    if production.owner_id == viewer.pk:
        return True
    collaboration = production.collaboration
    return collaboration is not None and is_leader(viewer, collaboration)


def can_see(viewer: Viewer, production: Production) -> bool:
    """Whether the viewer may open the production's page (a countdown before its release)."""
    if production.release_at is not None:
        return True
    return bool(viewer.is_authenticated and (viewer.is_staff or can_edit(viewer, production)))


def can_watch(viewer: Viewer, production: Production) -> bool:
    """Whether the viewer may watch its cuts and read its credits."""
    if production.is_released:
        return True
    return bool(viewer.is_authenticated and (viewer.is_staff or can_edit(viewer, production)))


def require_editor(viewer: Viewer, production: Production) -> None:
    if not can_edit(viewer, production):
        raise NotAllowed("Only the production's owner and its collaboration's leaders can do that.")


def production_for_viewer(*, viewer: Viewer, production_id: int) -> Production:
    production = (
        Production.objects.select_related("owner", "collaboration").filter(pk=production_id).first()
    )
    if production is None or not can_see(viewer, production):
        raise NotFound("There is no such production, or it is not released yet.")
    return production


def productions_listed(*, viewer: Viewer) -> QuerySet[Production]:
    """The productions a viewer may find in a list: those with a release time (released, or
    counting down) for everyone; drafts for their owner, their collaboration's leaders and
    staff. Each row carries `viewer_edits` (whether the viewer may edit it), in one query."""
    productions = Production.objects.select_related("owner", "collaboration")
    if not viewer.is_authenticated:
        productions = productions.filter(release_at__isnull=False)
        return productions.annotate(viewer_edits=Value(False)).order_by(
            F("release_at").desc(nulls_last=True), "-created_at", "-id"
        )
    leads = Leadership.objects.filter(collaboration_id=OuterRef("collaboration_id"), member=viewer)
    productions = productions.annotate(
        viewer_edits=ExpressionWrapper(
            Q(owner=viewer) | Q(Exists(leads)), output_field=BooleanField()
        )
    )
    if not viewer.is_staff:
        productions = productions.filter(Q(release_at__isnull=False) | Q(viewer_edits=True))
    return productions.order_by(F("release_at").desc(nulls_last=True), "-created_at", "-id")


def production_for_editor(*, member: Viewer, production_id: int) -> Production:
    production = production_for_viewer(viewer=member, production_id=production_id)
    require_editor(member, production)
    return production


def cut_for_viewer(*, viewer: Viewer, cut_id: int) -> Cut:
    cut = Cut.objects.select_related("production", "production__collaboration").filter(pk=cut_id)
    found = cut.first()
    if found is None or not can_watch(viewer, found.production):
        raise NotFound("There is no such cut, or its production is not released yet.")
    return found


def cut_for_editor(*, member: Viewer, cut_id: int) -> Cut:
    cut = cut_for_viewer(viewer=member, cut_id=cut_id)
    require_editor(member, cut.production)
    return cut


def render_for_viewer(*, viewer: Viewer, render_id: int) -> Render:
    render = (
        Render.objects.select_related("cut", "cut__production", "cut__production__collaboration")
        .filter(pk=render_id)
        .first()
    )
    if render is None or not can_watch(viewer, render.cut.production):
        raise NotFound("There is no such render.")
    return render
