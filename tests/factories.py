"""Test data built through the real services, as members would make it."""

from typing import Any

import factory
from allauth.account.models import EmailAddress

from ensemble.accounts.models import Member
from ensemble.records.models import Record
from ensemble.records.services import record_create_text

PASSWORD = "a-long-enough-passphrase-42"


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"artist{n}")
    email = factory.LazyAttribute(lambda m: f"{m.username}@example.com")
    display_name = factory.LazyAttribute(lambda m: m.username.title())
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            self.save()  # type: ignore[attr-defined]  # self is the Member made
            EmailAddress.objects.get_or_create(
                user=self, email=self.email, defaults={"verified": True, "primary": True}
            )


def text_record(author: Member, **kwargs: Any) -> Record:
    fields: dict[str, Any] = {"title": "In a City", "text": "Walking through my city\nat night"}
    fields.update(kwargs)
    return record_create_text(author=author, **fields)
