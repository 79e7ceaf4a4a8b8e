"""Page forms for productions. They gather input; the services hold the rules and messages.

Numbers stay text here on purpose: a bad value reaches the service (or `seconds`), whose message
is shown next to the control, the same one the API gives.
"""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import forms
from django.utils import timezone

from ensemble.collabs.forms import DEADLINE_INPUT_FORMAT, zone_choices
from ensemble.core.errors import EnsembleError

from .models import Production


def seconds(value: Any, *, field: str, label: str) -> float:
    """A number of seconds from a form ("1.5", "1,5"), or an EnsembleError for that field."""
    text = str(value if value is not None else "").strip().replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        raise EnsembleError(f"{label} must be a number of seconds.", field=field) from None
    if number != number or number in (float("inf"), float("-inf")):
        raise EnsembleError(f"{label} must be a number of seconds.", field=field)
    return number


def release_moment(value: str, zone: str, *, field: str = "release_at") -> datetime | None:
    """The aware moment of a wall-clock time in a zone (empty: none)."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        tz = ZoneInfo(zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        raise EnsembleError(f"“{zone}” is not a time zone.", field=f"{field}_zone") from None
    try:
        naive = datetime.strptime(value[:16], DEADLINE_INPUT_FORMAT)
    except ValueError:
        raise EnsembleError(
            "The release time must be a date and time such as 2026-06-30T20:00.", field=field
        ) from None
    return timezone.make_aware(naive, tz)


def local_input(moment: datetime | None, zone: str) -> str:
    if moment is None:
        return ""
    return timezone.localtime(moment, ZoneInfo(zone or "UTC")).strftime(DEADLINE_INPUT_FORMAT)


class ZoneField(forms.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", "Time zone")
        kwargs.setdefault("initial", "UTC")
        super().__init__(**kwargs)
        self.choices = zone_choices()


class ProductionForm(forms.Form):
    title = forms.CharField(
        required=False,
        widget=forms.TextInput(
            attrs={"maxlength": 200, "autocomplete": "off", "placeholder": "In a City"}
        ),
    )
    description = forms.CharField(
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": 20000}),
        help_text="What the film is, for the audience. Markdown works.",
    )
    commercial = forms.TypedChoiceField(
        label="Earns money",
        choices=[
            ("yes", "Yes — it shares revenue (sources that forbid commercial use cannot enter)"),
            ("no", "No — a non-commercial production"),
        ],
        coerce=lambda value: value == "yes",
        initial="yes",
        widget=forms.RadioSelect,
    )
    cover = forms.FileField(
        required=False, label="Cover image", widget=forms.FileInput(attrs={"accept": "image/*"})
    )
    remove_cover = forms.BooleanField(required=False, label="Remove the cover")
    release_at = forms.CharField(
        required=False,
        label="Release time",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="Before it only the production's leaders can watch; others see a countdown. "
        "Empty: an unreleased draft.",
    )
    release_at_zone = ZoneField()

    @classmethod
    def initial_for(cls, production: Production, zone: str) -> dict[str, Any]:
        return {
            "title": production.title,
            "description": production.description,
            "commercial": "yes" if production.commercial else "no",
            "release_at": local_input(production.release_at, zone),
            "release_at_zone": zone,
        }

    def release(self) -> datetime | None:
        data = self.cleaned_data
        return release_moment(data.get("release_at", ""), data.get("release_at_zone") or "UTC")


class ExtraForm(forms.Form):
    record = forms.CharField(required=False, label="Record")
    title = forms.CharField(
        required=False,
        widget=forms.TextInput(attrs={"maxlength": 200, "placeholder": "Behind the scenes"}),
    )
    release_at = forms.CharField(
        required=False,
        label="Release time",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="Empty: with the production.",
    )
    release_at_zone = ZoneField()

    def release(self) -> datetime | None:
        data = self.cleaned_data
        return release_moment(data.get("release_at", ""), data.get("release_at_zone") or "UTC")


class ImportForm(forms.Form):
    file = forms.FileField(required=False, label="Timeline file")
    format = forms.ChoiceField(
        choices=[("otio", "OpenTimelineIO (.otio)"), ("fcp_xml", "FCP 7 XML"), ("edl", "EDL")],
        initial="otio",
    )
