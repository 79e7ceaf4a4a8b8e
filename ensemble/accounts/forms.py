from django import forms

from .models import Role


class ProfileForm(forms.Form):
    display_name = forms.CharField(required=False, widget=forms.TextInput(attrs={"maxlength": 80}))
    bio = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 4, "maxlength": 2000})
    )
    city = forms.CharField(required=False, widget=forms.TextInput(attrs={"maxlength": 80}))
    roles = forms.MultipleChoiceField(
        required=False, choices=Role.choices, widget=forms.CheckboxSelectMultiple
    )
    avatar = forms.FileField(
        required=False,
        help_text="JPEG, PNG or WebP. We crop it square and remove its metadata.",
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    email_notifications = forms.BooleanField(
        required=False,
        label="E-mail me about notifications",
        help_text="When someone builds on your work, replies to you or mentions you. You see "
        "every notification on the site either way.",
    )


class TokenForm(forms.Form):
    name = forms.CharField(
        required=False,
        help_text="What will use it, e.g. “upload script on my laptop”.",
        widget=forms.TextInput(attrs={"maxlength": 80}),
    )
    expires_in_days = forms.IntegerField(
        required=False, min_value=1, max_value=3650, label="Expires after (days)",
        help_text="Leave empty for a token that lasts until you revoke it.",
    )  # fmt: skip
