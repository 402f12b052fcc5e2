"""Houses we may repair and the people who own them."""
from __future__ import annotations

from django.db import models


class Property(models.Model):
    """A house, one row per normalized address (see properties.addresses.address_key)."""

    address = models.CharField(max_length=255, help_text="Street address as written in the source.")
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=2, default="MA")
    zip_code = models.CharField(max_length=10, blank=True)
    address_key = models.CharField(
        max_length=300, unique=True,
        help_text="Normalized address (USPS abbreviations, upper case); `~` marks one that could not be parsed.",
    )
    subdivision = models.CharField(max_length=120, blank=True)
    apn = models.CharField(max_length=64, blank=True, db_index=True, help_text="Assessor's parcel number.")
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    property_type = models.CharField(max_length=32, blank=True, help_text="SFR, Condo, MFR, ...")
    year_built = models.PositiveSmallIntegerField(null=True, blank=True)
    square_feet = models.PositiveIntegerField(null=True, blank=True)
    bedrooms = models.PositiveSmallIntegerField(null=True, blank=True)
    bathrooms = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    estimated_value = models.IntegerField(null=True, blank=True, help_text="Dollars.")
    estimated_equity = models.IntegerField(null=True, blank=True, help_text="Dollars; negative when under water.")
    equity_percent = models.SmallIntegerField(null=True, blank=True)
    purchase_date = models.DateField(null=True, blank=True)
    purchase_price = models.IntegerField(null=True, blank=True, help_text="Dollars.")
    owner_occupied = models.BooleanField(null=True, blank=True)
    listed_for_sale = models.BooleanField(null=True, blank=True)
    listing_status = models.CharField(max_length=64, blank=True)
    foreclosure = models.BooleanField(null=True, blank=True)
    high_equity = models.BooleanField(null=True, blank=True)
    owners = models.ManyToManyField("contacts.Contact", through="PropertyContact", related_name="properties")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["city", "address"]
        verbose_name_plural = "properties"
        indexes = [
            models.Index(fields=["city"], name="property_city_filter_idx"),
            models.Index(fields=["zip_code"], name="property_zip_filter_idx"),
        ]

    def __str__(self) -> str:
        return ", ".join(part for part in (self.address, self.city, f"{self.state} {self.zip_code}".strip()) if part)


class OwnerRole(models.TextChoices):
    PRIMARY_OWNER = "primary_owner", "Primary owner"
    SECONDARY_OWNER = "secondary_owner", "Secondary owner"
    RESIDENT = "resident", "Resident"
    OTHER = "other", "Other"


class PropertyContact(models.Model):
    """Links a person to a house with their role; one link per person and house."""

    property = models.ForeignKey(Property, on_delete=models.CASCADE, related_name="contact_links")
    contact = models.ForeignKey("contacts.Contact", on_delete=models.CASCADE, related_name="property_links")
    role = models.CharField(max_length=20, choices=OwnerRole.choices, default=OwnerRole.PRIMARY_OWNER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["property", "contact"], name="property_contact_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.contact} ({self.get_role_display()}) at {self.property}"
