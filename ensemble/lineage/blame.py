"""Per-line authorship of a text written by many, like `git blame`.

A line carried over unchanged from a source keeps the author who first wrote it, traced through
the whole lineage; a changed or new line belongs to the author of the version that introduced it.

How: one recursive query (`selectors.text_ancestry`) fetches the version, the earlier versions
of its record and every text version upstream of them through text records, with their texts.
Then, oldest first, each version's lines are matched against each of its parents' lines with
difflib (the record's previous version first, then its sources in the order declared; the first
parent with a match wins) and inherit that parent's attribution; lines no parent has are the
version's own. Lines match when equal apart from trailing spaces.

Only declared links and the record's own history are followed: a line an intermediate record
took from an earlier version of itself is traced when that version's links were copied forward
(`services.source_links_copy_forward`), which is what a new version without new sources does.
"""

from collections.abc import Callable
from difflib import SequenceMatcher
from typing import NamedTuple

from ensemble.core.errors import EnsembleError
from ensemble.records.access import Viewer
from ensemble.records.models import Kind, RecordVersion

from .selectors import TextNode, text_ancestry, viewer_facts


class BlameLine(NamedTuple):
    number: int  # from 1
    text: str
    version_id: int  # the version that introduced the line
    version_number: int
    record_id: int
    title: str  # empty when the viewer may not open that record
    author_id: int
    author_username: str
    author_name: str
    available: bool


def version_blame(*, version: RecordVersion, viewer: Viewer | None = None) -> list[BlameLine]:
    """Every line of a text version with the version (and so the artist) it comes from.
    Two queries: the version's record kind (when not loaded) and the text ancestry."""
    if version.record.kind != Kind.TEXT:
        raise EnsembleError("Only text records have lines to attribute.")
    nodes = text_ancestry(version=version)
    origins = _origins(nodes, version)
    viewer_id, staff = viewer_facts(viewer)
    lines = []
    for number, (text, origin_id) in enumerate(
        zip(_lines(nodes[version.pk].text), origins[version.pk], strict=True), start=1
    ):
        origin = nodes[origin_id]
        available = origin.published or staff or origin.author_id == viewer_id
        lines.append(
            BlameLine(
                number,
                text,
                origin.version_id,
                origin.version_number,
                origin.record_id,
                origin.title if available else "",
                origin.author_id,
                origin.author_username,
                origin.author_name,
                available,
            )
        )
    return lines


def _origins(nodes: dict[int, TextNode], target: RecordVersion) -> dict[int, list[int]]:
    """For each version, the version each of its lines comes from."""
    history = {
        node.version_number: node.version_id
        for node in nodes.values()
        if node.record_id == target.record_id
    }

    def parents(node: TextNode) -> list[int]:
        found = []
        if node.record_id == target.record_id:
            earlier = [n for n in history if n < node.version_number]
            if earlier:
                found.append(history[max(earlier)])
        found += [s for s in node.sources if s in nodes and s not in found]
        return found

    origins: dict[int, list[int]] = {}
    for version_id in _oldest_first(nodes, parents):
        node = nodes[version_id]
        lines = _keys(node.text)
        attributed: list[int | None] = [None] * len(lines)
        for parent_id in parents(node):
            parent_lines = _keys(nodes[parent_id].text)
            matcher = SequenceMatcher(None, parent_lines, lines, autojunk=False)
            for block in matcher.get_matching_blocks():
                for k in range(block.size):
                    if attributed[block.b + k] is None:
                        attributed[block.b + k] = origins[parent_id][block.a + k]
        origins[version_id] = [version_id if o is None else o for o in attributed]
    return origins


def _oldest_first(
    nodes: dict[int, TextNode], parents: Callable[[TextNode], list[int]]
) -> list[int]:
    """Versions ordered so that every parent comes before its children (depth first)."""
    order: list[int] = []
    state: dict[int, bool] = {}  # False: being visited, True: done
    for root in nodes:
        if root in state:
            continue
        state[root] = False
        stack = [(root, iter(parents(nodes[root])))]
        while stack:
            current, pending = stack[-1]
            child = next(pending, None)
            if child is None:
                stack.pop()
                state[current] = True
                order.append(current)
            elif child not in state:  # a loop cannot exist; a visited node is skipped
                state[child] = False
                stack.append((child, iter(parents(nodes[child]))))
    return order


def _lines(text: str) -> list[str]:
    return text.split("\n")


def _keys(text: str) -> list[str]:
    return [line.rstrip() for line in _lines(text)]
