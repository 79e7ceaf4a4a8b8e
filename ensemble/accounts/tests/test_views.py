"""Member pages over HTTP: joining, logging in, the profile, the avatar, the member page, tokens."""

import html
import io
import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import ExifTags, Image

from ensemble.accounts.models import ApiToken, Member
from ensemble.accounts.services import api_token_authenticate
from ensemble.records.services import record_unpublish
from tests.factories import PASSWORD, text_record

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "another-long-passphrase-77"


def page_text(response) -> str:
    return html.unescape(response.content.decode())


def link_in(message: mail.EmailMessage) -> str:
    url = re.search(r"https?://testserver(/\S+)", str(message.body))
    assert url, message.body
    return url[1]


# Joining, logging in and out, resetting a password ------------------------------------------


def test_signing_up_sends_a_verification_e_mail_whose_link_logs_the_member_in(client):
    response = client.post(
        "/accounts/signup/",
        {"email": "new@example.com", "username": "newcomer",
         "password1": PASSWORD, "password2": PASSWORD},
    )  # fmt: skip
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert "verification" in page_text(client.get(response["Location"])).lower()

    member = Member.objects.get(username="newcomer")
    assert member.password.startswith("argon2")
    assert not EmailAddress.objects.get(user=member).verified
    assert client.get("/settings/profile/").status_code == 302  # not logged in yet

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new@example.com"]
    confirm_url = link_in(mail.outbox[0])
    assert confirm_url.startswith("/accounts/confirm-email/")

    confirm_page = client.get(confirm_url)
    assert confirm_page.status_code == 200  # confirming is a POST: mail scanners only GET
    assert not EmailAddress.objects.get(user=member).verified
    confirmed = client.post(confirm_url)
    assert confirmed.status_code == 302
    assert EmailAddress.objects.get(user=member).verified
    assert client.get("/settings/profile/").status_code == 200  # logged in


def test_signing_up_with_a_taken_username_or_weak_password_is_refused(client, member):
    response = client.post(
        "/accounts/signup/",
        {"email": "x@example.com", "username": member.username,
         "password1": "12345678", "password2": "12345678"},
    )  # fmt: skip
    assert response.status_code == 200  # allauth re-shows the form
    text = page_text(response)
    assert "A user with that username already exists." in text
    assert "This password is too common." in text
    assert not Member.objects.filter(email="x@example.com").exists()
    assert mail.outbox == []


def test_logging_in_and_out(client, member):
    wrong = client.post("/accounts/login/", {"login": member.username, "password": "nope"})
    assert wrong.status_code == 200
    assert "The username and/or password you specified are not correct." in page_text(wrong)

    response = client.post("/accounts/login/", {"login": member.username, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert "Poet" in page_text(client.get("/"))  # the menu shows the member's name

    by_email = Client()
    assert (
        by_email.post("/accounts/login/", {"login": member.email, "password": PASSWORD}).status_code
        == 302
    )

    logout = client.post("/accounts/logout/")
    assert logout.status_code == 302
    assert client.get("/settings/profile/").status_code == 302
    assert "Log in" in page_text(client.get("/"))


def test_a_password_reset_e_mail_sets_a_new_argon2_password(client, member):
    response = client.post("/accounts/password/reset/", {"email": member.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    reset_url = link_in(mail.outbox[0])
    assert reset_url.startswith("/accounts/password/reset/key/")

    form_page = client.get(reset_url, follow=True)
    assert form_page.status_code == 200
    form_url = form_page.redirect_chain[-1][0] if form_page.redirect_chain else reset_url
    done = client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert done.status_code == 302

    member.refresh_from_db()
    assert member.password.startswith("argon2$")
    assert member.check_password(NEW_PASSWORD)
    assert Client().login(username=member.username, password=NEW_PASSWORD)


def test_a_password_reset_for_an_unknown_address_reveals_nothing_and_stores_nothing(client):
    response = client.post("/accounts/password/reset/", {"email": "nobody@example.com"})
    assert response.status_code == 302  # same answer as for a member's address
    assert all("/accounts/password/reset/key/" not in m.body for m in mail.outbox)


# The profile ---------------------------------------------------------------------------------


def test_editing_the_profile(member, member_client):
    assert member_client.get("/settings/profile/").status_code == 200
    response = member_client.post(
        "/settings/profile/",
        {"display_name": "  The Poet ", "bio": "Writes at night.", "city": "Prague",
         "roles": ["writer", "voice"]},
    )  # fmt: skip
    assert response.status_code == 302
    assert response["Location"] == "/@poet/"
    member.refresh_from_db()
    assert (member.display_name, member.bio, member.city, member.roles) == (
        "The Poet", "Writes at night.", "Prague", ["writer", "voice"],
    )  # fmt: skip
    page = page_text(member_client.get("/@poet/"))
    assert "The Poet" in page and "Writes at night." in page
    assert "Writer" in page and "Voice actor" in page


def test_an_unknown_role_is_refused(member, member_client):
    response = member_client.post(
        "/settings/profile/", {"display_name": "X", "roles": ["writer", "dancer"]}
    )
    assert response.status_code == 400
    assert "Select a valid choice. dancer is not one of the available choices." in page_text(
        response
    )
    member.refresh_from_db()
    assert member.roles == [] and member.display_name == "Poet"


def test_a_too_long_bio_is_refused_with_its_length(member, member_client):
    response = member_client.post("/settings/profile/", {"bio": "b" * 2001})
    assert response.status_code == 400
    assert "Bio is too long: 2,001 characters, the limit is 2,000." in page_text(response)


def test_html_in_a_profile_is_shown_as_text(member, member_client, client):
    member_client.post(
        "/settings/profile/",
        {"display_name": "<script>alert(1)</script>", "bio": "<b>bold</b>", "city": "<i>x</i>"},
    )
    body = client.get("/@poet/").content.decode()
    assert "<script>alert(1)" not in body and "&lt;script&gt;alert(1)" in body
    assert "<b>bold</b>" not in body and "<i>x</i>" not in body


def photo_with_gps() -> bytes:
    """A JPEG with camera EXIF, GPS coordinates and orientation 6 (to be turned a quarter)."""
    image = Image.new("RGB", (600, 300), (220, 20, 20))
    image.paste((20, 20, 220), (300, 0, 600, 300))  # left half red, right half blue
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "SpyCam"
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (50.0, 5.0, 24.0),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (14.0, 25.0, 12.0),
    }
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif, quality=90)
    data = out.getvalue()
    check = Image.open(io.BytesIO(data)).getexif()
    assert check.get_ifd(ExifTags.IFD.GPSInfo)  # the test photo really carries a location
    return data


def test_an_avatar_is_re_encoded_as_webp_without_any_metadata(member, member_client):
    response = member_client.post(
        "/settings/profile/",
        {"display_name": "Poet", "avatar": SimpleUploadedFile("me.jpg", photo_with_gps())},
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.avatar.name.endswith(".webp")
    with member.avatar.open("rb") as handle:
        data = handle.read()
    stored = Image.open(io.BytesIO(data))
    assert stored.format == "WEBP"
    assert stored.size == (400, 400)
    assert dict(stored.getexif()) == {}
    assert not stored.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert not {"exif", "xmp", "icc_profile"} & set(stored.info)
    assert b"Exif" not in data and b"SpyCam" not in data and b"EXIF" not in data
    # The orientation was applied before the metadata went: the red half is now on top.
    rgb = stored.convert("RGB")
    red_top, blue_bottom = rgb.getpixel((200, 20)), rgb.getpixel((200, 380))
    assert isinstance(red_top, tuple) and isinstance(blue_bottom, tuple)
    assert red_top[0] > 150 and red_top[2] < 100, red_top
    assert blue_bottom[2] > 150 and blue_bottom[0] < 100, blue_bottom
    # The avatar is shown on the member page.
    assert member.avatar.url in member_client.get("/@poet/").content.decode()


def test_a_new_avatar_replaces_the_old_file(
    member, member_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        member_client.post(
            "/settings/profile/", {"avatar": SimpleUploadedFile("a.jpg", photo_with_gps())}
        )
    member.refresh_from_db()
    first = member.avatar.name
    png = io.BytesIO()
    Image.new("RGB", (50, 50), (0, 128, 0)).save(png, format="PNG")
    with django_capture_on_commit_callbacks(execute=True):
        member_client.post(
            "/settings/profile/", {"avatar": SimpleUploadedFile("b.png", png.getvalue())}
        )
    member.refresh_from_db()
    assert member.avatar.name != first
    assert not member.avatar.storage.exists(first)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("me.jpg", b"this is not a picture" * 10, "This file is not a readable image"),
        ("me.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 50, "This file is not a readable image"),
    ],
)
def test_an_avatar_that_is_not_an_image_is_refused(member, member_client, name, content, message):
    response = member_client.post(
        "/settings/profile/",
        {"display_name": "Changed", "avatar": SimpleUploadedFile(name, content)},
    )
    assert response.status_code == 415
    assert message in page_text(response)
    member.refresh_from_db()
    assert not member.avatar
    assert member.display_name == "Poet"  # all or nothing


def test_an_avatar_of_a_refused_format_is_refused(member, member_client):
    out = io.BytesIO()
    Image.new("RGB", (20, 20)).save(out, format="BMP")
    response = member_client.post(
        "/settings/profile/", {"avatar": SimpleUploadedFile("me.bmp", out.getvalue())}
    )
    assert response.status_code == 415
    assert "BMP images are not accepted; use JPEG, PNG, WebP or GIF." in page_text(response)


# The member page -----------------------------------------------------------------------------


def test_a_member_page_shows_their_published_records(client, member, other_member):
    text_record(member, title="Mine, public")
    record_unpublish(record=text_record(member, title="Mine, hidden"))
    text_record(other_member, title="Someone else's")

    response = client.get("/@poet/")
    assert response.status_code == 200
    text = page_text(response)
    assert "Mine, public" in text
    assert "Mine, hidden" not in text
    assert "Someone else's" not in text
    assert "1 record" in text

    stranger = Client()
    stranger.force_login(other_member)
    assert "Mine, hidden" not in page_text(stranger.get("/@poet/"))


def test_a_member_sees_their_own_unpublished_records_on_their_page(member, member_client):
    text_record(member, title="Mine, public")
    record_unpublish(record=text_record(member, title="Mine, hidden"))
    text = page_text(member_client.get("/@poet/"))
    assert "Mine, public" in text and "Mine, hidden" in text
    assert "unpublished" in text
    assert "Edit profile" in text


def test_an_unknown_or_inactive_member_is_not_found(client, make_member):
    assert client.get("/@nobody/").status_code == 404
    make_member(username="gone", is_active=False)
    assert client.get("/@gone/").status_code == 404


# API tokens ----------------------------------------------------------------------------------


def test_a_new_token_is_shown_once_then_listed_by_its_prefix(member, member_client):
    assert member_client.get("/settings/tokens/").status_code == 200
    response = member_client.post(
        "/settings/tokens/", {"name": "upload script", "expires_in_days": "30"}
    )
    assert response.status_code == 200
    text = page_text(response)
    assert "copy it now, it will not be shown again" in text
    shown = re.search(r'<code class="secret" data-copy>(ens_[\w-]+)</code>', text)
    assert shown is not None
    secret = shown[1]
    token = ApiToken.objects.get(member=member)
    assert api_token_authenticate(secret=secret) == member
    assert token.key_hash != secret and secret not in token.key_hash

    listing = page_text(member_client.get("/settings/tokens/"))
    assert secret not in listing
    assert "upload script" in listing
    assert f"{token.prefix}…" in listing
    assert "until " in listing


def test_a_token_needs_a_name_and_a_sensible_expiry(member, member_client):
    nameless = member_client.post("/settings/tokens/", {"name": "  ", "expires_in_days": ""})
    assert nameless.status_code == 400
    assert "Give the token a name, so you know later what uses it." in page_text(nameless)
    forever = member_client.post("/settings/tokens/", {"name": "x", "expires_in_days": "99999"})
    assert forever.status_code == 400
    assert "Ensure this value is less than or equal to 3650." in page_text(forever)
    assert not ApiToken.objects.exists()


def test_revoking_a_token(member, member_client):
    member_client.post("/settings/tokens/", {"name": "old script"})
    token = ApiToken.objects.get()
    response = member_client.post(f"/settings/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    assert response["Location"] == "/settings/tokens/"
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert "revoked" in page_text(member_client.get("/settings/tokens/"))


def test_another_member_cannot_revoke_or_see_your_tokens(member, member_client, other_member):
    member_client.post("/settings/tokens/", {"name": "mine"})
    token = ApiToken.objects.get()
    stranger = Client()
    stranger.force_login(other_member)
    assert stranger.post(f"/settings/tokens/{token.pk}/revoke/").status_code == 404
    assert "mine" not in page_text(stranger.get("/settings/tokens/"))
    token.refresh_from_db()
    assert token.revoked_at is None


@pytest.mark.parametrize(
    ("method", "url"),
    [("get", "/settings/tokens/"), ("post", "/settings/tokens/1/revoke/"),
     ("get", "/settings/profile/"), ("post", "/settings/profile/")],
)  # fmt: skip
def test_settings_pages_need_a_logged_in_member(client, method, url):
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
