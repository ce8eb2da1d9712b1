"""The portal's household import: upload, preview (every error, or what will be created),
confirm. The file waits between preview and confirmation encrypted in the media storage, under
a random name remembered in the user's session (see refugees.import_files), and is deleted once
it is imported, cancelled, replaced or expired."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST, require_safe

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import role_required
from accounts.roles import Role
from core.spreadsheets import FORMATS, spreadsheet_download
from core.validation import show_error
from refugees import import_files, importing

SESSION_KEY = "household_import"


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Spreadsheet (CSV or XLSX)"),
        help_text=gettext_lazy("At most 5 MB. Use the template: one row per member."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )


def _discard_pending(request: HttpRequest) -> None:
    pending = request.session.pop(SESSION_KEY, None)
    if pending:
        import_files.pending_delete(pending["path"])


@role_required(Role.CASEWORKER)
def household_import(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    context: dict = {"form": form, "max_mb": settings.REMATCH_IMPORT_MAX_BYTES // (1024 * 1024)}
    if request.method != "POST" or not form.is_valid():
        status = 400 if request.method == "POST" else 200
        return render(request, "refugees/import.html", context, status=status)
    upload = form.cleaned_data["file"]
    try:
        report = importing.import_file(
            upload=upload, filename=upload.name, size=upload.size, by=request.user, save=False
        )
    except ValidationError as error:
        form.add_error("file", error.message_dict.get("file", error.messages))
        return render(request, "refugees/import.html", context, status=400)
    context["report"] = report
    if report.errors:
        return render(request, "refugees/import_report.html", context, status=400)
    _discard_pending(request)
    upload.seek(0)
    path = import_files.pending_save(upload.read())
    request.session[SESSION_KEY] = {"path": path, "name": upload.name}
    return render(request, "refugees/import_preview.html", context)


@require_POST
@role_required(Role.CASEWORKER)
def household_import_confirm(request: AuthenticatedHttpRequest) -> HttpResponse:
    pending = request.session.get(SESSION_KEY)
    content = import_files.pending_open(pending["path"]) if pending else None
    if pending is None or content is None:
        request.session.pop(SESSION_KEY, None)
        messages.error(request, _("There is no file waiting to be imported. Upload it again."))
        return redirect("household_import")
    try:
        report = importing.import_file(
            upload=content,
            filename=pending["name"],
            size=None,
            by=request.user,
            save=True,
            import_anyway=set(request.POST.getlist("import_anyway")),
        )
    except ValidationError as error:
        report = None
        show_error(request, error)
    _discard_pending(request)
    if report is None or report.errors:
        # The data changed since the preview (e.g. a consent version expired): show why.
        context = {"form": ImportForm(), "report": report}
        return render(request, "refugees/import_report.html", context, status=400)
    saved = [r for r in report.households if r.key not in report.skipped]
    messages.success(
        request,
        _("%(n)s households with %(m)s members were imported.")
        % {"n": len(report.saved), "m": sum(len(r.members) for r in saved)},
    )
    if report.skipped:
        messages.info(
            request,
            ngettext(
                "%(n)s household was skipped: it was recorded already.",
                "%(n)s households were skipped: they were recorded already.",
                len(report.skipped),
            )
            % {"n": len(report.skipped)},
        )
    return redirect("household_list")


@require_POST
@role_required(Role.CASEWORKER)
def household_import_cancel(request: AuthenticatedHttpRequest) -> HttpResponse:
    _discard_pending(request)
    messages.info(request, _("The import was cancelled; nothing was saved."))
    return redirect("household_import")


@require_safe
@role_required(Role.CASEWORKER, Role.COORDINATOR)
def household_import_template(
    request: AuthenticatedHttpRequest, language: str, kind: str
) -> HttpResponse:
    if language not in ("de", "en") or kind not in FORMATS:
        raise Http404
    build = importing.template_csv if kind == "csv" else importing.template_xlsx
    return spreadsheet_download(
        build(language), fmt=kind, filename=f"rematch-households-{language}"
    )
