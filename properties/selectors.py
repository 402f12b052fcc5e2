"""Reads about houses."""
from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from .models import Property, PropertyContact


def property_list() -> QuerySet[Property]:
    """Every house with its owner links and their contacts fetched alongside."""
    return Property.objects.prefetch_related(
        Prefetch("contact_links", queryset=PropertyContact.objects.select_related("contact").order_by("id"))
    ).order_by("city", "address", "id")
