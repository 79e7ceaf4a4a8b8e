"""Page forms for collaborations. They gather input; the services hold the rules and messages.

Fields stay loose (mostly text) on purpose: a bad value reaches the service, whose message is
then shown next to the field, the same one the API gives.
"""

from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from django import forms
from django.utils import timezone

from ensemble.core.money import CURRENCY_CHOICES, money_input
from ensemble.records.models import Kind

from .models import Collaboration, OffSpec, Orientation, SubmissionState

# "min resolution" presets: (value, label, width, height).
RESOLUTION_PRESETS = [
    ("", "Any size", None, None),
    ("3840x2160", "4K UHD — 3840×2160", 3840, 2160),
    ("1920x1080", "Full HD — 1920×1080", 1920, 1080),
    ("custom", "Custom", None, None),
]
DEADLINE_INPUT_FORMAT = "%Y-%m-%dT%H:%M"


@cache
def zone_choices() -> list[tuple[str, str]]:
    names = sorted(name for name in available_timezones() if "/" in name and name[0].isupper())
    return [("UTC", "UTC"), *((name, name.replace("_", " ")) for name in names)]


class CollaborationForm(forms.Form):
    title = forms.CharField(
        required=False,
        widget=forms.TextInput(
            attrs={"maxlength": 200, "autocomplete": "off", "placeholder": "In a City"}
        ),
    )
    brief = forms.CharField(
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 9, "maxlength": 20000}),
        help_text="What you ask the community for. Markdown works: **bold**, *italics*, lists, "
        "links.",
    )
    kinds = forms.MultipleChoiceField(
        required=False,
        label="Media wanted",
        choices=Kind.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: any kind of record.",
    )
    resolution = forms.ChoiceField(
        required=False,
        label="Minimum resolution",
        choices=[(value, label) for value, label, _, _ in RESOLUTION_PRESETS],
        widget=forms.RadioSelect,
        help_text="Long side against long side, short against short: a portrait 2160×3840 clip "
        "meets 3840×2160.",
    )
    min_width = forms.CharField(
        required=False,
        label="Width (px)",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "maxlength": 6}),
    )
    min_height = forms.CharField(
        required=False,
        label="Height (px)",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "maxlength": 6}),
    )
    camera = forms.CharField(
        required=False,
        widget=forms.TextInput(attrs={"maxlength": 120, "placeholder": "Sony FX3"}),
        help_text="Matched against the make and model recorded in each file.",
    )
    max_duration = forms.CharField(
        required=False,
        label="Longest clip (s)",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "maxlength": 12}),
    )
    orientation = forms.ChoiceField(required=False, choices=Orientation.choices)
    off_spec = forms.ChoiceField(
        required=False,
        label="Media that misses these requirements",
        choices=OffSpec.choices,
        initial=OffSpec.REFUSE,
        widget=forms.RadioSelect,
    )
    deadline = forms.CharField(
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="Leave empty for no deadline.",
    )
    deadline_zone = forms.ChoiceField(required=False, label="Time zone", initial="UTC")
    partner_name = forms.CharField(
        required=False,
        label="Partner",
        widget=forms.TextInput(attrs={"maxlength": 120}),
        help_text="A sponsor or partner behind the brief, if any.",
    )
    partner_logo = forms.FileField(
        required=False,
        label="Partner logo",
        widget=forms.FileInput(attrs={"accept": "image/*"}),
    )
    budget = forms.CharField(
        required=False,
        label="Budget",
        widget=forms.TextInput(
            attrs={"inputmode": "decimal", "maxlength": 24, "placeholder": "12000.00"}
        ),
    )
    budget_currency = forms.ChoiceField(
        required=False, label="Currency", choices=[("", "—"), *CURRENCY_CHOICES]
    )
    cover = forms.FileField(
        required=False,
        label="Cover image",
        widget=forms.FileInput(attrs={"accept": "image/*"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["deadline_zone"].choices = zone_choices()  # type: ignore[attr-defined]

    @classmethod
    def initial_for(cls, collaboration: Collaboration) -> dict[str, Any]:
        """The form's values for editing `collaboration`."""
        deadline = ""
        if collaboration.deadline:
            local = timezone.localtime(
                collaboration.deadline, ZoneInfo(collaboration.deadline_zone)
            )
            deadline = local.strftime(DEADLINE_INPUT_FORMAT)
        budget = ""
        if collaboration.budget_amount is not None:
            budget = money_input(collaboration.budget_amount, collaboration.budget_currency)
        return {
            "title": collaboration.title,
            "brief": collaboration.brief,
            "kinds": collaboration.kinds,
            "resolution": preset_of(collaboration.min_width, collaboration.min_height),
            "min_width": collaboration.min_width or "",
            "min_height": collaboration.min_height or "",
            "camera": collaboration.camera,
            "max_duration": _seconds(collaboration.max_duration),
            "orientation": collaboration.orientation,
            "off_spec": collaboration.off_spec,
            "deadline": deadline,
            "deadline_zone": collaboration.deadline_zone,
            "partner_name": collaboration.partner_name,
            "budget": budget,
            "budget_currency": collaboration.budget_currency,
        }

    def changes(self) -> dict[str, Any]:
        """The cleaned values as the services take them (the fields of services.EDITABLE)."""
        data = self.cleaned_data
        width, height = data["min_width"], data["min_height"]
        for value, _, preset_width, preset_height in RESOLUTION_PRESETS:
            if data["resolution"] == value and value not in ("", "custom"):
                width, height = preset_width, preset_height
        if data["resolution"] == "":
            width = height = None
        return {
            "title": data["title"],
            "brief": data["brief"],
            "kinds": list(data["kinds"]),
            "min_width": width,
            "min_height": height,
            "camera": data["camera"],
            "max_duration": data["max_duration"],
            "orientation": data["orientation"],
            "off_spec": data["off_spec"] or OffSpec.REFUSE,
            "deadline_zone": data["deadline_zone"] or "UTC",
            "deadline": data["deadline"],
            "partner_name": data["partner_name"],
            "budget": data["budget"],
            "budget_currency": data["budget_currency"],
        }


def preset_of(width: int | None, height: int | None) -> str:
    if not (width or height):
        return ""
    for value, _, preset_width, preset_height in RESOLUTION_PRESETS:
        if (preset_width, preset_height) == (width, height):
            return value
    return "custom"


def _seconds(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if value == int(value) else str(value)


class ImageRemovalForm(forms.Form):
    """On the edit page: take the cover or the partner logo away."""

    remove_cover = forms.BooleanField(required=False, label="Remove the cover")
    remove_partner_logo = forms.BooleanField(required=False, label="Remove the partner logo")


class RecordIdsField(forms.Field):
    """Ticked record ids. Any id is accepted here: which records may be submitted is the
    service's rule, and its refusal is the message the artist should read."""

    widget = forms.CheckboxSelectMultiple

    def to_python(self, value: Any) -> list[int]:
        if not value:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        ids = []
        for raw in values:
            text = str(raw).strip()
            if not text.isdigit() or len(text) > 12:
                raise forms.ValidationError(f"“{text[:20]}” is not a record.")
            ids.append(int(text))
        return ids


class SubmitForm(forms.Form):
    records = RecordIdsField(required=False, label="Your records")


class DecisionForm(forms.Form):
    state = forms.ChoiceField(
        choices=[
            (state, label)
            for state, label in SubmissionState.choices
            if state != SubmissionState.WITHDRAWN
        ]
    )
    note = forms.CharField(
        required=False,
        strip=False,
        label="Note to the artist",
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": 2000}),
    )


class LeaderForm(forms.Form):
    username = forms.CharField(
        required=False,
        label="Add a leader",
        widget=forms.TextInput(
            attrs={"maxlength": 150, "placeholder": "username", "autocomplete": "off"}
        ),
    )


class AssignmentForm(forms.Form):
    title = forms.CharField(
        required=False,
        widget=forms.TextInput(
            attrs={"maxlength": 200, "placeholder": "Six cinematographers with 4K cameras"}
        ),
    )
    description = forms.CharField(
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 5000}),
    )


class InviteForm(forms.Form):
    assignment = forms.IntegerField(widget=forms.HiddenInput)
    members = forms.CharField(
        required=False,
        label="Invite members",
        widget=forms.TextInput(attrs={"placeholder": "usernames, separated by commas"}),
        help_text="Usernames separated by commas or spaces.",
    )
    message = forms.CharField(
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 5000}),
    )

    def usernames(self) -> list[str]:
        raw = self.cleaned_data.get("members") or ""
        names = [part.strip().lstrip("@") for part in raw.replace(",", " ").split()]
        return list(dict.fromkeys(name for name in names if name))
