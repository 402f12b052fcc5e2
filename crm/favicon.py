"""GET /favicon.ico: browsers ask for it on every first page; answer with the static icon, not a 404."""
from __future__ import annotations

from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import HttpResponsePermanentRedirect
from django.views.decorators.http import require_GET

FAVICON = "crm/favicon.ico"


@require_GET
def favicon(request):
    return HttpResponsePermanentRedirect(staticfiles_storage.url(FAVICON))
