"""Page forms for feedback. They only read what was sent: the services apply the rules (and
their messages, like the length limit, are the same as in the API)."""

from django import forms

from .models import Report


class CommentForm(forms.Form):
    body = forms.CharField(required=False, strip=False, widget=forms.Textarea)
    timecode = forms.CharField(required=False, max_length=20)
    parent = forms.IntegerField(required=False, min_value=1)


class CommentEditForm(forms.Form):
    body = forms.CharField(required=False, strip=False, widget=forms.Textarea)


class ReportForm(forms.Form):
    reason = forms.ChoiceField(
        choices=Report.Reason.choices, widget=forms.RadioSelect, label="What is wrong with it?"
    )
    note = forms.CharField(required=False, label="Anything staff should know (optional)")
