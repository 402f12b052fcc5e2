"""Photos texted to us: stored from webhooks and the history sync, copied safely into private storage,
refusals and failures kept, and the copies shown only to staff."""
from __future__ import annotations

import io
import socket
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from contacts.models import Activity, ActivityMedia, MediaStatus
from contacts.roles import OFFICE_STAFF
from openphone import media as media_module
from openphone.media import MediaRefused, media_fetch, media_items
from tests.factories import UserFactory

from .sender import deliver, load_event

pytestmark = pytest.mark.django_db

PHOTO = (Path(__file__).resolve().parent.parent / "fixtures" / "media" / "crack.png").read_bytes()


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.ACTIVITY_MEDIA_ROOT = str(tmp_path / "private-media")
    settings.OPENPHONE_MEDIA_ALLOWED_HOSTS = []


@pytest.fixture
def allow_test_server(settings, httpserver):
    """List the local pytest-httpserver as an allowed media host (as the setting documents for tests)."""
    settings.OPENPHONE_MEDIA_ALLOWED_HOSTS = [f"localhost:{httpserver.port}"]
    return httpserver


@pytest.fixture
def receive(client, django_capture_on_commit_callbacks):
    def _receive(media: list, n: int = 1, event: int | None = None):
        payload = load_event("message.received", id=f"EVmedia{event or n:04d}")
        payload["data"]["object"].update(id=f"ACmedia{n:04d}", text="Here is the crack", media=media)
        with django_capture_on_commit_callbacks(execute=True):
            response = deliver(client, payload)
        assert response.status_code == 202, response.content
        return Activity.objects.get(openphone_id=f"ACmedia{n:04d}")

    return _receive


def test_media_items_accept_strings_and_url_type_objects():
    assert media_items([
        "https://cdn.example.com/a.jpg",
        {"url": "https://cdn.example.com/b.mp3", "type": "audio/mpeg", "duration": 3},
        {"type": "image/png"},  # no url: nothing to fetch
        42,
        "ftp://example.com/c.jpg",
    ]) == [("https://cdn.example.com/a.jpg", ""), ("https://cdn.example.com/b.mp3", "audio/mpeg")]
    assert media_items(None) == []


def test_a_webhook_with_a_photo_ends_as_a_stored_private_copy(receive, allow_test_server, settings):
    allow_test_server.expect_request("/photo.png").respond_with_data(PHOTO, content_type="image/png")
    url = allow_test_server.url_for("/photo.png")
    activity = receive([{"url": url, "type": "image/png"}])

    media = activity.media.get()
    assert (media.status, media.content_type, media.size, media.error) == (MediaStatus.COPIED, "image/png", len(PHOTO), "")
    with media.file.open("rb") as handle:
        assert handle.read() == PHOTO
    # Under the private root, never under MEDIA_ROOT (which a web server may publish).
    assert Path(media.file.path).is_relative_to(Path(settings.ACTIVITY_MEDIA_ROOT))
    assert not Path(media.file.path).is_relative_to(Path(settings.MEDIA_ROOT))
    with pytest.raises(ValueError):
        media.file.url  # noqa: B018  (no public URL exists)


def test_a_replayed_webhook_does_not_attach_or_fetch_the_photo_twice(receive, allow_test_server):
    allow_test_server.expect_oneshot_request("/once.png").respond_with_data(PHOTO, content_type="image/png")
    url = allow_test_server.url_for("/once.png")
    receive([url])
    activity = receive([url], n=1, event=2)  # the same message in a second event (a sync, a re-sent event)
    assert activity.media.count() == 1
    assert activity.media.get().status == MediaStatus.COPIED


def test_a_file_over_10_mb_is_refused_and_shown(receive, allow_test_server):
    allow_test_server.expect_request("/big.jpg").respond_with_data(b"\xff" * (10 * 1024 * 1024 + 1),
                                                                   content_type="image/jpeg")
    activity = receive([allow_test_server.url_for("/big.jpg")])
    media = activity.media.get()
    assert media.status == MediaStatus.REFUSED and "Larger than 10 MB" in media.error
    assert not media.file


def test_a_file_that_is_not_a_photo_audio_or_video_is_refused(receive, allow_test_server):
    allow_test_server.expect_request("/page").respond_with_data("<script>alert(1)</script>", content_type="text/html")
    activity = receive([{"url": allow_test_server.url_for("/page"), "type": "image/jpeg"}])
    media = activity.media.get()
    assert media.status == MediaStatus.REFUSED and "text/html" in media.error
    assert not media.file


def test_a_link_to_a_loopback_address_is_refused_without_a_request(receive, httpserver):
    # 127.0.0.1 is not in OPENPHONE_MEDIA_ALLOWED_HOSTS: a forged link must not reach inside.
    activity = receive([f"https://127.0.0.1:{httpserver.port}/photo.png", f"https://localhost:{httpserver.port}/x.png"])
    statuses = sorted((m.status, m.error) for m in activity.media.all())
    assert [s for s, _ in statuses] == [MediaStatus.REFUSED, MediaStatus.REFUSED]
    assert all("private or local address" in error for _, error in statuses)
    assert httpserver.log == []  # nothing reached the server


def test_plain_http_is_refused_for_hosts_not_allowed(receive, httpserver):
    activity = receive([httpserver.url_for("/photo.png")])
    media = activity.media.get()
    assert media.status == MediaStatus.REFUSED and "not https" in media.error
    assert httpserver.log == []


@pytest.mark.parametrize("address", ["10.0.0.5", "169.254.169.254", "192.168.1.10", "::1", "fd00::1", "0.0.0.0"])
def test_every_resolved_address_must_be_public(monkeypatch, address):
    """A host resolving to a public AND a private address is refused (DNS we cannot provoke: getaddrinfo faked)."""
    def fake_getaddrinfo(host, port, *args, **kwargs):
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port)),
                (family, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(media_module.socket, "getaddrinfo", fake_getaddrinfo)
    with pytest.raises(MediaRefused, match="private or local address"):
        media_fetch("https://media.example.com/photo.jpg")


def test_a_public_host_is_connected_to_at_the_address_that_was_checked(monkeypatch):
    """The request goes to the checked address (no second DNS lookup a rebinding could answer differently)."""
    monkeypatch.setattr(media_module.socket, "getaddrinfo",
                        lambda host, port, *a, **k: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port))])
    target, headers, session = media_module._prepare("https://media.example.com/a/photo.jpg?sig=1")
    assert target == "https://93.184.215.14/a/photo.jpg?sig=1"
    assert headers == {"Host": "media.example.com"}
    adapter = session.get_adapter(target)
    assert adapter.poolmanager.connection_pool_kw["server_hostname"] == "media.example.com"
    assert adapter.poolmanager.connection_pool_kw["assert_hostname"] == "media.example.com"


def test_a_failed_fetch_is_shown_as_failed_with_the_reason(receive, allow_test_server):
    allow_test_server.expect_request("/gone.png").respond_with_data("no", status=404)
    activity = receive([allow_test_server.url_for("/gone.png")])
    media = activity.media.get()
    assert (media.status, media.error) == (MediaStatus.FAILED, "The media host answered HTTP 404.")


def test_history_sync_stores_and_copies_media_too(fake_openphone, allow_test_server, django_capture_on_commit_callbacks):
    from django.core.management import call_command

    allow_test_server.expect_request("/synced.png").respond_with_data(PHOTO, content_type="image/png")
    message = fake_openphone.add_message("+16175550123", direction="incoming", text="photo")
    message["media"] = [{"url": allow_test_server.url_for("/synced.png"), "type": "image/png"}]
    with django_capture_on_commit_callbacks(execute=True):
        call_command("sync_openphone", "--line", message["phoneNumberId"], stdout=io.StringIO())
    media = ActivityMedia.objects.get()
    assert media.status == MediaStatus.COPIED and media.activity.body == "photo"


# --- Who may see the copies -------------------------------------------------------------------

@pytest.fixture
def copied(receive, allow_test_server):
    allow_test_server.expect_request("/seen.png").respond_with_data(PHOTO, content_type="image/png")
    return receive([allow_test_server.url_for("/seen.png")]).media.get()


def test_office_staff_see_the_photo_on_the_contact_page_and_open_it(client, copied):
    user = UserFactory()
    user.groups.add(Group.objects.get(name=OFFICE_STAFF))
    client.force_login(user)
    file_url = reverse("admin:contacts_activitymedia_file", args=[copied.pk])
    page = client.get(reverse("admin:contacts_contact_change", args=[copied.activity.contact_id])).content.decode()
    assert f'<img src="{file_url}"' in page
    response = client.get(file_url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PHOTO
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


def test_anonymous_visitors_and_staff_without_the_permission_cannot_open_the_copy(client, copied):
    file_url = reverse("admin:contacts_activitymedia_file", args=[copied.pk])
    response = client.get(file_url)
    assert response.status_code == 302 and reverse("admin:login") in response["Location"]
    client.force_login(UserFactory())  # staff, but in no group
    assert client.get(file_url).status_code == 403


def test_refused_and_failed_copies_are_shown_on_the_contact_page(client, receive, httpserver):
    activity = receive([f"https://127.0.0.1:{httpserver.port}/photo.png"])
    user = UserFactory()
    user.groups.add(Group.objects.get(name=OFFICE_STAFF))
    client.force_login(user)
    page = client.get(reverse("admin:contacts_contact_change", args=[activity.contact_id])).content.decode()
    assert "Refused: The media link points to a private or local address" in page
