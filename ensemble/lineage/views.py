"""Lineage pages: a record's whole lineage (picture and lists), and who wrote each line."""

from dataclasses import dataclass

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from ensemble.core.errors import NotFound
from ensemble.core.views import error_page
from ensemble.records.access import record_for_viewer, version_for_viewer
from ensemble.records.models import Kind

from .blame import BlameLine, version_blame
from .tree import LINEAGE_LIMIT, lineage_tree, tree_list, tree_svg

AUTHOR_COLOURS = 8  # blame-c0 … blame-c7 in ensemble.css, reused in turn


@require_safe
def lineage_page(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        record = record_for_viewer(viewer=request.user, record_id=pk)
    except NotFound as error:
        raise Http404(error.message) from error
    tree = lineage_tree(record=record, viewer=request.user, limit=LINEAGE_LIMIT)
    context = {
        "record": record,
        "tree": tree,
        "picture": tree_svg(tree),
        "ancestors": tree_list(tree, "up"),
        "descendants": tree_list(tree, "down"),
        "limit": LINEAGE_LIMIT,
        "kinds": Kind.choices,
    }
    return render(request, "lineage/tree.html", context)


@dataclass(frozen=True)
class AuthorKey:
    """One artist in the legend, with their colour and how many lines are theirs."""

    colour: int
    name: str
    username: str
    lines: int


@dataclass(frozen=True)
class AttributedLine:
    line: BlameLine
    colour: int
    starts_run: bool  # the first of consecutive lines from the same version
    source_url: str  # the version the line comes from; empty when unavailable

    @property
    def short_name(self) -> str:
        """For narrow screens: the first word of the artist's name."""
        first = self.line.author_name.split()[0] if self.line.author_name.strip() else ""
        return first[:9] + "…" if len(first) > 10 else first

    @property
    def source_label(self) -> str:
        line = self.line
        if not line.available:
            return f"from an unavailable record by {line.author_name}"
        return f"from “{line.title}” version {line.version_number} by {line.author_name}"


@require_safe
def authorship_page(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    try:
        version = version_for_viewer(viewer=request.user, record_id=pk, number=number)
    except NotFound as error:
        raise Http404(error.message) from error
    record = version.record
    if record.kind != Kind.TEXT:
        return error_page(
            request,
            status=404,
            title="No lines to attribute",
            message=f"“{record.title}” is {record.get_kind_display().lower()}: per-line "
            "authorship is shown for text records only.",
        )
    lines = version_blame(version=version, viewer=request.user)
    colours: dict[int, int] = {}
    counts: dict[int, int] = {}
    names: dict[int, tuple[str, str]] = {}
    attributed = []
    previous = None
    for line in lines:
        colour = colours.setdefault(line.author_id, len(colours) % AUTHOR_COLOURS)
        names[line.author_id] = (line.author_name, line.author_username)
        blank = not line.text.strip()
        if not blank:
            counts[line.author_id] = counts.get(line.author_id, 0) + 1
        url = (
            reverse("records:version", kwargs={"pk": line.record_id, "number": line.version_number})
            if line.available
            else ""
        )
        # a run: consecutive lines from one version (blank lines between stanzas do not count)
        attributed.append(
            AttributedLine(line, colour, not blank and line.version_id != previous, url)
        )
        if not blank:
            previous = line.version_id
    legend = [
        AuthorKey(colour, *names[author_id], counts.get(author_id, 0))
        for author_id, colour in colours.items()
    ]
    context = {
        "record": record,
        "version": version,
        "lines": attributed,
        "legend": legend,
        "others": [key for key in legend if key.username != record.author.username],
    }
    return render(request, "lineage/authorship.html", context)
