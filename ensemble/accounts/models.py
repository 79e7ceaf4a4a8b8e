"""Members: the people of Ensemble, and the API tokens their scripts use."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.urls import reverse
from django.utils import timezone


class Role(models.TextChoices):
    WRITER = "writer", "Writer"
    MUSICIAN = "musician", "Musician"
    CINEMATOGRAPHER = "cinematographer", "Cinematographer"
    ILLUSTRATOR = "illustrator", "Illustrator"
    ANIMATOR = "animator", "Animator"
    EDITOR = "editor", "Editor"
    VOICE = "voice", "Voice actor"
    PRODUCER = "producer", "Producer"
    PHOTOGRAPHER = "photographer", "Photographer"
    SOUND = "sound", "Sound designer"


def avatar_path(member: "Member", filename: str) -> str:
    return f"avatars/{member.pk}/{filename}"


class Member(AbstractUser):
    display_name = models.CharField(max_length=80, blank=True)
    bio = models.TextField(max_length=2000, blank=True)
    city = models.CharField(max_length=80, blank=True)
    roles = models.JSONField(default=list, blank=True)
    avatar = models.ImageField(upload_to=avatar_path, blank=True)
    email_notifications = models.BooleanField(
        "e-mail me about notifications",
        default=True,
        help_text="When someone builds on your work, replies or mentions you.",
    )

    class Meta:
        verbose_name = "member"
        ordering = ["username"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("accounts:member", kwargs={"username": self.username})

    @property
    def name(self) -> str:
        return self.display_name or self.username

    @property
    def role_labels(self) -> list[str]:
        labels = dict(Role.choices)
        return [labels.get(role, role) for role in self.roles]


class ApiToken(models.Model):
    """A bearer token for scripts. Only a SHA-256 of the secret is stored."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=80)
    prefix = models.CharField(max_length=12, help_text="The first characters, to recognise it.")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > timezone.now()
