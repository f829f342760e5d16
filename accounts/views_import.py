"""The office's Excel import pages: units and users, each all-or-nothing with a row-by-row error list."""

import io

from django import forms
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import imports, services
from accounts.models import Role
from core.permissions import role_required


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Excel file (.xlsx)"),
        widget=forms.FileInput(attrs={"accept": f".xlsx,{imports.XLSX_CONTENT_TYPE}"}),
        help_text=gettext_lazy("At most 5 MB."),
    )

    def clean_file(self):
        file = self.cleaned_data["file"]
        if file.size > imports.MAX_FILE_BYTES:
            raise ValidationError(
                _("The file is %(size).1f MB; at most 5 MB can be imported at once. Split it into several files.")
                % {"size": file.size / 1024 / 1024}
            )
        return file


IMPORTERS = {imports.UNITS: services.units_import, imports.USERS: services.users_import}


def _import_page(request, kind: str):
    result = None
    form = ImportForm(request.POST, request.FILES) if request.method == "POST" else ImportForm()
    if form.is_bound and form.is_valid():
        result = IMPORTERS[kind](actor=request.user, file=form.cleaned_data["file"])
        if result.ok:
            form = ImportForm()
    return render(
        request,
        "accounts/import.html",
        {"kind": kind, "form": form, "result": result, "columns": imports.COLUMNS[kind]},
    )


@role_required(Role.OFFICE)
def import_units(request):
    return _import_page(request, imports.UNITS)


@role_required(Role.OFFICE)
def import_users(request):
    return _import_page(request, imports.USERS)


@role_required(Role.OFFICE)
def import_template(request, kind):
    if kind not in imports.KINDS:
        raise Http404
    filename = "单位导入模板.xlsx" if kind == imports.UNITS else "用户导入模板.xlsx"
    return FileResponse(
        io.BytesIO(imports.build_template(kind)),
        as_attachment=True,
        filename=filename,
        content_type=imports.XLSX_CONTENT_TYPE,
    )
