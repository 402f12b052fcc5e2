"""Private file storage for copies of photos homeowners text us: on disk, with no public URL.

Staff see the files only through the admin's own view (contacts.admin_media), which checks
who is asking; nothing here may be served by a web server as static or media files.
"""
from __future__ import annotations

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class PrivateMediaStorage(FileSystemStorage):
    """FileSystemStorage under settings.ACTIVITY_MEDIA_ROOT (read at each use, so tests can move it)."""

    @property
    def base_location(self):
        return self._value_or_setting(self._location, settings.ACTIVITY_MEDIA_ROOT)

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    @property
    def base_url(self):
        return None

    def url(self, name):
        raise ValueError("Copies of texted media have no public URL; link to the admin's media view.")

    def deconstruct(self):
        return ("contacts.media_storage.PrivateMediaStorage", (), {})
