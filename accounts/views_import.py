"""The office's Excel import pages: an overview of every kind of import, and one page per kind (units and
users here; the registry's kinds in enterprises.views.imports), each all-or-nothing with a row-by-row error
list. The page itself is shared: `import_page` serves every kind."""

import io

from django import forms
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import imports, services
from accounts.models import Role
from core.imports import ImportKind, build_template, import_kinds
from core.permissions import role_required


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Excel file (.xlsx)"),
        widget=forms.FileInput(attrs={"accept": f".xlsx,{imports.XLSX_CONTENT_TYPE}"}),
    )

    def __init__(self, *args, max_bytes: int = imports.MAX_FILE_BYTES, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_bytes = max_bytes
        self.fields["file"].help_text = _("At most %(mb)d MB.") % {"mb": max_bytes // (1024 * 1024)}

    def clean_file(self):
        file = self.cleaned_data["file"]
        if file.size > self.max_bytes:
            raise ValidationError(
                _("The file is %(size).1f MB; at most %(max)d MB can be imported at once. Split it into several files.")
                % {"size": file.size / 1024 / 1024, "max": self.max_bytes // (1024 * 1024)}
            )
        return file


def import_page(request, spec: ImportKind, importer, template_name: str = "accounts/import.html"):
    """Upload, check and import one kind of file; show the summary, or every problem and nothing imported."""
    result = None
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES, max_bytes=spec.max_file_bytes)
    else:
        form = ImportForm(max_bytes=spec.max_file_bytes)
    if form.is_bound and form.is_valid():
        result = importer(actor=request.user, file=form.cleaned_data["file"])
        if result.ok:
            form = ImportForm(max_bytes=spec.max_file_bytes)
    return render(
        request,
        template_name,
        {
            "kind": spec.kind,
            "spec": spec,
            "specs": import_kinds(),
            "form": form,
            "result": result,
            "summary": spec.summary_text(result) if result is not None and result.ok else "",
            "columns": spec.columns,
        },
    )


@role_required(Role.OFFICE)
def import_index(request):
    return render(request, "accounts/import.html", {"kind": None, "spec": None, "specs": import_kinds()})


IMPORTERS = {imports.UNITS: services.units_import, imports.USERS: services.users_import}


@role_required(Role.OFFICE)
def import_units(request):
    return import_page(request, imports.UNITS_IMPORT, services.units_import)


@role_required(Role.OFFICE)
def import_users(request):
    return import_page(request, imports.USERS_IMPORT, services.users_import)


TEMPLATE_FILENAMES = {imports.UNITS: "单位导入模板.xlsx", imports.USERS: "用户导入模板.xlsx"}


def template_response(spec: ImportKind, filename: str) -> FileResponse:
    return FileResponse(
        io.BytesIO(build_template(spec)),
        as_attachment=True,
        filename=filename,
        content_type=imports.XLSX_CONTENT_TYPE,
    )


@role_required(Role.OFFICE)
def import_template(request, kind):
    """Templates of the units and users imports; the registry's kinds have their own download
    (enterprises.views.imports)."""
    if kind not in imports.KINDS:
        raise Http404
    return template_response(imports.SPECS[kind], TEMPLATE_FILENAMES[kind])
