"""The one way to load a proposal a given person may see or change.

- A draft proposal is seen only by the production's editors (its owner and its collaboration's
  leaders); a published or finalised one is public: its shares are proposed in the open.
- Every change (adjust, hand back, publish, finalise) is for the production's editors (403).
"""

from ensemble.core.errors import NotFound
from ensemble.productions.access import Viewer, can_edit, require_editor

from .models import Proposal


def proposal_for_viewer(*, viewer: Viewer, proposal_id: int) -> Proposal:
    proposal = (
        Proposal.objects.select_related("production", "production__collaboration", "cut")
        .filter(pk=proposal_id)
        .first()
    )
    if proposal is None or (
        proposal.state == Proposal.State.DRAFT and not can_edit(viewer, proposal.production)
    ):
        raise NotFound("There is no such proposal, or it is not published yet.")
    return proposal


def proposal_for_editor(*, member: Viewer, proposal_id: int) -> Proposal:
    proposal = proposal_for_viewer(viewer=member, proposal_id=proposal_id)
    require_editor(member, proposal.production)
    return proposal
