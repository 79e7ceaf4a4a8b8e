"""Page forms for records. They gather input; the services hold the rules and the messages."""

import re

from django import forms

from ensemble.core.errors import EnsembleError
from ensemble.lineage.models import Role
from ensemble.lineage.services import SourceSpec

from .models import Licence
from .validation import MAX_TEXT_LENGTH

SOURCE_ROLES = Role.choices
# "12", "#12", "/records/12/", "https://…/records/12/v/3/" — the version is optional.
_RECORD_REF = re.compile(
    r"^#?(?P<id>\d{1,12})(?!\d)|/records/(?P<rid>\d{1,12})/(?:v/(?P<number>\d{1,9})/?)?"
)


class _RecordFieldsForm(forms.Form):
    title = forms.CharField(
        required=False, widget=forms.TextInput(attrs={"maxlength": 200, "autocomplete": "off"})
    )
    description = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3, "maxlength": 5000})
    )
    tags = forms.CharField(
        required=False,
        help_text="Separated by commas: poem, city, night walk",
        widget=forms.TextInput(attrs={"maxlength": 400, "autocomplete": "off"}),
    )
    city = forms.CharField(required=False, widget=forms.TextInput(attrs={"maxlength": 80}))
    licence = forms.ChoiceField(
        choices=[("", "Ensemble remix licence, or what the sources require"), *Licence.choices],
        initial="",
        required=False,
        help_text="What others may do with your work. The Ensemble remix licence lets members "
        "build on it with credit.",
    )


class TextRecordForm(_RecordFieldsForm):
    text = forms.CharField(
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 16, "maxlength": MAX_TEXT_LENGTH, "class": "poem"}),
        help_text="Markdown works: *italics*, **bold**, > quotes, blank lines between verses.",
    )
    published = forms.BooleanField(required=False, initial=True, label="Publish now")
    field_order = ["title", "text", "description", "tags", "city", "licence", "published"]


class UploadRecordForm(_RecordFieldsForm):
    file = forms.FileField(required=False)
    published = forms.BooleanField(required=False, initial=True, label="Publish now")
    field_order = ["file", "title", "description", "tags", "city", "licence", "published"]


class RecordEditForm(_RecordFieldsForm):
    text = forms.CharField(
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 16, "maxlength": MAX_TEXT_LENGTH, "class": "poem"}),
        help_text="Changing the text makes a new version; earlier versions stay readable.",
    )
    note = forms.CharField(
        required=False,
        label="What changed",
        widget=forms.TextInput(attrs={"maxlength": 200}),
    )


class NewVersionForm(forms.Form):
    file = forms.FileField(required=False)
    note = forms.CharField(
        required=False,
        label="What changed",
        widget=forms.TextInput(attrs={"maxlength": 200}),
    )


class SourceForm(forms.Form):
    """One record a new record or version is built on (parsed into a lineage SourceSpec)."""

    source = forms.CharField(
        required=False,
        label="Built on",
        help_text="Search by title or artist, or paste the record's address.",
        widget=forms.TextInput(
            attrs={
                "list": "source-choices",
                "autocomplete": "off",
                "placeholder": "Search records…",
                "hx-get": "/records/search/",
                "hx-trigger": "input changed delay:250ms",
                "hx-target": "#source-choices",
                "hx-swap": "innerHTML",
            }
        ),
    )
    role = forms.ChoiceField(choices=SOURCE_ROLES, required=False, initial="music")
    role_other = forms.CharField(
        required=False, label="Role (other)", widget=forms.TextInput(attrs={"maxlength": 60})
    )
    start_seconds = forms.FloatField(required=False, label="From (s)", min_value=0)
    end_seconds = forms.FloatField(required=False, label="To (s)", min_value=0)


SourceFormSet = forms.formset_factory(SourceForm, extra=2, max_num=20)


def source_specs(formset: forms.BaseFormSet) -> list[SourceSpec]:
    """The filled rows as SourceSpecs; a row is a record id, "#id" or a record address."""
    specs = []
    for row in formset.cleaned_data:
        raw = (row.get("source") or "").strip()
        if not raw:
            continue
        match = _RECORD_REF.search(raw)  # "#12 “Night walk” by Ann" from the search, or an address
        if match is None:
            raise EnsembleError(
                f"“{raw[:60]}” is not a record: pick one from the search, or paste its address.",
                field="sources",
            )
        specs.append(
            SourceSpec(
                record_id=int(match["id"] or match["rid"]),
                version_number=int(match["number"]) if match["number"] else None,
                role=row.get("role") or "other",
                role_other=row.get("role_other") or "",
                start_seconds=row.get("start_seconds"),
                end_seconds=row.get("end_seconds"),
            )
        )
    return specs
