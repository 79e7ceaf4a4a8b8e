"""Page forms for records. They gather input; the services hold the rules and the messages."""

from django import forms

from .models import Licence
from .validation import MAX_TEXT_LENGTH


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
        choices=Licence.choices,
        initial=Licence.ENSEMBLE,
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
