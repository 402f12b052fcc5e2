"""Houses we may repair and the people who own them."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords


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
    apn = models.CharField(
        max_length=64, blank=True,
        help_text="Assessor's parcel number. Lookups use the unique (state, apn) index below.",
    )
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
    owner_name = models.CharField(
        max_length=255, blank=True,
        help_text="Owner of record as the assessor lists it (\"NGUYEN, LISA & STEPHEN\", \"SUDBURY HOLDINGS LLC\").",
    )
    owners = models.ManyToManyField("contacts.Contact", through="PropertyContact", related_name="properties")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(user_db_constraint=False, no_db_index=["address_key"])  # the audit trail: who changed what, when

    class Meta:
        ordering = ["city", "address"]
        verbose_name_plural = "properties"
        indexes = [
            models.Index(fields=["city"], name="property_city_filter_idx"),
            models.Index(fields=["zip_code"], name="property_zip_filter_idx"),
        ]
        constraints = [
            # A parcel number is unique within its county; counties do not repeat numbering
            # schemes within a state in practice, so (state, apn) is the import's match key.
            models.UniqueConstraint(
                fields=["state", "apn"], condition=~Q(apn=""), name="property_apn_unique_per_state"
            ),
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

    # No index of its own: the unique (property, contact) index below serves lookups by property.
    property = models.ForeignKey(Property, on_delete=models.CASCADE, related_name="contact_links", db_index=False)
    contact = models.ForeignKey("contacts.Contact", on_delete=models.CASCADE, related_name="property_links")
    role = models.CharField(max_length=20, choices=OwnerRole.choices, default=OwnerRole.PRIMARY_OWNER)
    created_at = models.DateTimeField(auto_now_add=True)

    # Read by house (its owners' changes on the house's History page), never by the link's id or homeowner.
    history = HistoricalRecords(user_db_constraint=False, no_db_index=["id", "contact"])  # the audit trail: who changed what, when

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["property", "contact"], name="property_contact_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.contact} ({self.get_role_display()}) at {self.property}"


class ImportKind(models.TextChoices):
    PROPERTYRADAR = "propertyradar", "PropertyRadar export"
    CONTACTS = "contacts", "Contacts CSV"


class ImportStatus(models.TextChoices):
    PENDING = "pending", "Waiting to start"
    RUNNING = "running", "Running"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"


class ImportRun(models.Model):
    """One import of one CSV file, from the command line or the admin; resumable from its last committed batch."""

    kind = models.CharField(max_length=20, choices=ImportKind.choices)
    status = models.CharField(max_length=20, choices=ImportStatus.choices, default=ImportStatus.PENDING)
    file = models.FileField(
        upload_to="imports/%Y/%m/", blank=True, max_length=255,
        help_text="The uploaded file (admin uploads); command-line runs keep only file_path.",
    )
    file_name = models.CharField(max_length=255, help_text="Name of the file as the operator gave it.")
    file_path = models.CharField(max_length=1024, blank=True, help_text="Path on the server (command-line runs).")
    file_sha256 = models.CharField(max_length=64, help_text="Resume only continues a run of the very same bytes.")
    file_size = models.BigIntegerField(null=True, blank=True, help_text="Bytes.")
    encoding = models.CharField(max_length=16, blank=True, help_text="Detected: utf-8, utf-8-sig or cp1252.")
    header = models.JSONField(default=list, blank=True, help_text="The file's column names, for the rejects file.")
    tag_name = models.CharField(max_length=64, blank=True, help_text="Tag put on every imported homeowner.")
    default_state = models.CharField(
        max_length=2, default="MA", help_text="Property state for rows without a State column."
    )
    batch_size = models.PositiveIntegerField(default=5000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="Staff member who uploaded the file; empty for command-line runs.",
    )
    operator = models.CharField(max_length=150, blank=True, help_text="Who started it: username or OS user.")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    rows_total = models.PositiveIntegerField(null=True, blank=True, help_text="Data rows in the file (counted first).")
    rows_done = models.PositiveIntegerField(default=0, help_text="Data rows committed so far, rejects included.")
    last_committed_line = models.PositiveIntegerField(
        default=0, help_text="File line of the last row of the last committed batch; --resume continues after it.",
    )
    properties_created = models.PositiveIntegerField(default=0)
    properties_updated = models.PositiveIntegerField(default=0)
    properties_unchanged = models.PositiveIntegerField(default=0)
    contacts_created = models.PositiveIntegerField(default=0)
    contacts_updated = models.PositiveIntegerField(default=0)
    contacts_unchanged = models.PositiveIntegerField(default=0)
    links_created = models.PositiveIntegerField(default=0, help_text="New homeowner-property links.")
    rows_rejected = models.PositiveIntegerField(default=0)
    phones_unusable = models.PositiveIntegerField(
        default=0, help_text="Phone cells that are not valid numbers (the person is kept without them).",
    )
    error = models.TextField(blank=True, help_text="Why the run stopped, when it failed.")
    rejects_path = models.CharField(max_length=1024, blank=True, help_text="Where the command wrote the rejects CSV.")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["kind", "file_sha256", "status"], name="importrun_resume_lookup_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.file_name} ({self.get_status_display().lower()})"

    @property
    def changed_anything(self) -> bool:
        return bool(self.properties_created or self.properties_updated or self.contacts_created
                    or self.contacts_updated or self.links_created)


class ImportReject(models.Model):
    """A row the import could not take, with its file line, the reason and the row as it was."""

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="rejects")
    line = models.PositiveIntegerField(help_text="Line in the file where the row starts (the header is line 1).")
    reason = models.CharField(max_length=500)
    values = models.JSONField(default=list, help_text="The row's cells exactly as read.")

    class Meta:
        ordering = ["run", "line"]
        constraints = [
            models.UniqueConstraint(fields=["run", "line"], name="importreject_one_per_line"),
        ]

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"
