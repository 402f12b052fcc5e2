"""Admin screens for bulk imports: upload a CSV, follow its run, download its rejects.

The run list and pages are read-only (runs are written by the import itself); uploading needs
the "add import run" permission, downloading rejects the "view import run" one.
"""
from __future__ import annotations

import csv
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from contacts.models import Tag

from .importers import ImportFileError, import_run_rejects, import_run_upload, import_runs_delete
from .models import ImportKind, ImportRun, ImportStatus


class ImportUploadForm(forms.Form):
    file = forms.FileField(help_text="A CSV file: a PropertyRadar export or a list of contacts.")
    kind = forms.ChoiceField(choices=ImportKind.choices, initial=ImportKind.PROPERTYRADAR, widget=forms.RadioSelect)
    tag = forms.CharField(
        max_length=64, required=False,
        help_text="Put this tag on every imported homeowner (an existing tag or a new one).",
        widget=forms.TextInput(attrs={"list": "import-tags", "autocomplete": "off"}),
    )
    state = forms.CharField(
        max_length=2, min_length=2, initial="MA",
        help_text="State of the properties when the file has no State column (PropertyRadar exports).",
    )


class _Echo:
    """A file-like object whose write returns the line, for streaming csv.writer output."""

    def write(self, value: str) -> str:
        return value


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    change_list_template = "admin/properties/importrun/change_list.html"
    change_form_template = "admin/properties/importrun/change_form.html"
    list_display = ["__str__", "status", "progress_text", "properties_created", "contacts_created",
                    "links_created", "rows_rejected", "operator", "created_at"]
    list_filter = ["kind", "status"]
    search_fields = ["file_name", "file_sha256", "operator", "tag_name"]
    date_hierarchy = "created_at"
    # The page leads with what the office needs (rows imported, rejected, the rejects file); the
    # details an operator needs to resume or trace a run are folded away.
    fieldsets = [
        (None, {"fields": ["outcome", "status", "progress_bar", "error", "file_name", "kind", "tag", "default_state",
                           "operator", "created_at", "started_at", "finished_at"]}),
        ("What changed", {"fields": [
            "properties_created", "properties_updated", "properties_unchanged",
            "contacts_created", "contacts_updated", "contacts_unchanged", "links_created", "phones_unusable",
        ]}),
        ("Technical details", {"classes": ["collapse"], "fields": [
            "uploaded_file", "file_sha256", "encoding", "batch_size", "last_committed_line", "resume_hint",
        ]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        return [f for fieldset in self.fieldsets for f in fieldset[1]["fields"]]

    def has_add_permission(self, request):
        return False  # runs are created by uploading a file (upload_view) or by the commands

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        import_runs_delete(runs=[obj])

    def delete_queryset(self, request, queryset):
        import_runs_delete(runs=queryset)

    @admin.display(description="Result")
    def outcome(self, run: ImportRun) -> str:
        """"11,606 rows imported, 394 rejected: download the rejected rows (CSV)"."""
        imported = max(run.rows_done - run.rows_rejected, 0)
        if run.status in (ImportStatus.PENDING, ImportStatus.RUNNING):
            so_far = f"So far {imported:,} row{'' if imported == 1 else 's'} imported"
        else:
            so_far = f"{imported:,} row{'' if imported == 1 else 's'} imported"
        if not run.rows_rejected:
            return format_html('<strong class="import-outcome">{}, none rejected.</strong>', so_far)
        return format_html('<strong class="import-outcome">{}, {} rejected:</strong> {}', so_far,
                           f"{run.rows_rejected:,}", self.rejects_link(run))

    @admin.display(description="To continue it")
    def resume_hint(self, run: ImportRun) -> str:
        if run.status not in (ImportStatus.FAILED, ImportStatus.RUNNING):
            return "Nothing to continue."
        command = "import_propertyradar" if run.kind == ImportKind.PROPERTYRADAR else "import_contacts"
        return format_html(
            "Run <code>manage.py {} FILE --resume</code> on the same file: it continues after line {}.",
            command, f"{run.last_committed_line:,}",
        )

    @admin.display(description="Progress")
    def progress_text(self, run: ImportRun) -> str:
        total = run.rows_total or 0
        if not total:
            return f"{run.rows_done:,} rows"
        return f"{run.rows_done:,} / {total:,} rows ({100 * run.rows_done // total}%)"

    @admin.display(description="Progress")
    def progress_bar(self, run: ImportRun) -> str:
        return format_html(
            '<progress value="{}" max="{}" style="width: 20em"></progress> {}',
            run.rows_done, max(run.rows_total or 0, run.rows_done, 1), self.progress_text(run),
        )

    @admin.display(description="File")
    def uploaded_file(self, run: ImportRun) -> str:
        if run.file:
            return run.file.name
        if run.file_path:
            return run.file_path  # a command-line run: the operator's file, never ours to delete
        if run.status in (ImportStatus.COMPLETED, ImportStatus.FAILED):
            return (f"Deleted {settings.IMPORT_UPLOAD_KEEP_DAYS} days after the import ended "
                    "(IMPORT_UPLOAD_KEEP_DAYS); the counts and rejected rows are kept.")
        return ""

    @admin.display(description="Tag")
    def tag(self, run: ImportRun) -> str:
        """The tag put on the file's homeowners, linked to them in the contacts list (to text them
        or enroll them in a campaign from there)."""
        if not run.tag_name:
            return "No tag."
        tag = Tag.objects.filter(name__iexact=run.tag_name).first()
        if tag is None:  # not created yet (the run has not started) or deleted since
            return run.tag_name
        url = reverse("admin:contacts_contact_changelist") + f"?tags__id__exact={tag.pk}"
        return format_html('{} (<a href="{}">the homeowners with this tag</a>)', tag.name, url)

    @admin.display(description="Rejects file")
    def rejects_link(self, run: ImportRun) -> str:
        if not run.rows_rejected:
            return "No rejected rows."
        url = reverse("admin:properties_importrun_rejects", args=[run.pk])
        return format_html('<a href="{}" download>Download the {} rejected rows (CSV)</a>', url, run.rows_rejected)

    # --- Extra views ----------------------------------------------------------------------
    def get_urls(self):
        return [
            path("upload/", self.admin_site.admin_view(self.upload_view), name="properties_importrun_upload"),
            path("<int:object_id>/rejects/", self.admin_site.admin_view(self.rejects_view),
                 name="properties_importrun_rejects"),
            *super().get_urls(),
        ]

    def upload_view(self, request):
        if not request.user.has_perm("properties.add_importrun"):
            raise PermissionDenied
        form = ImportUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                run = import_run_upload(
                    upload=form.cleaned_data["file"], kind=form.cleaned_data["kind"],
                    tag_name=form.cleaned_data["tag"], default_state=form.cleaned_data["state"],
                    created_by=request.user,
                )
            except ImportFileError as exc:
                form.add_error("file", str(exc))
            else:
                self._say_how_the_upload_went(request, run)
                return redirect("admin:properties_importrun_change", run.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Import a CSV file",
            "form": form,
            "tags": Tag.objects.order_by("name").values_list("name", flat=True)[:500],
        }
        return TemplateResponse(request, "admin/properties/importrun/upload.html", context)

    @staticmethod
    def _say_how_the_upload_went(request, run: ImportRun) -> None:
        """Without a worker (tasks run eagerly) the import is over before the page is shown: say how
        it ended, not that it is running."""
        run.refresh_from_db()
        name = f"“{run.file_name}”"
        if run.status == ImportStatus.COMPLETED:
            rejected = f", {run.rows_rejected:,} rejected (see below)" if run.rows_rejected else ""
            messages.success(request, f"{name} was imported: {run.rows_done:,} rows{rejected}.")
        elif run.status == ImportStatus.FAILED:
            messages.error(request, f"{name} could not be imported: {run.error}")
        else:
            messages.success(request, f"{name} is being imported; this page shows its progress.")

    def rejects_view(self, request, object_id: int):
        run = get_object_or_404(ImportRun, pk=object_id)
        if not self.has_view_permission(request, run):
            raise PermissionDenied
        writer = csv.writer(_Echo())
        rows = (writer.writerow(row) for row in import_run_rejects(run=run))

        def content():
            yield "\ufeff"  # so Excel reads the accents right
            yield from rows

        response = StreamingHttpResponse(content(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{Path(run.file_name).stem}.rejects.csv"'
        return response

    def render_change_form(self, request, context, *args, **kwargs):
        run = context.get("original")
        context["refresh_seconds"] = 5 if run and run.status in (ImportStatus.PENDING, ImportStatus.RUNNING) else None
        return super().render_change_form(request, context, *args, **kwargs)
