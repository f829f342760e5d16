"""Attachments: checked by type (extension and content signature) and size before they are stored."""

from __future__ import annotations

import hashlib
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Case, CaseAttachment

# Extension → content signatures it may start with (None: plain text, no signature to check).
ALLOWED_TYPES: dict[str, tuple[bytes, ...] | None] = {
    ".pdf": (b"%PDF-",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".docx": (b"PK\x03\x04",),
    ".xlsx": (b"PK\x03\x04",),
    ".doc": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
    ".xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
    ".zip": (b"PK\x03\x04",),
    ".txt": None,
}
MAX_FILES_PER_UPLOAD = 10


def max_size() -> int:
    return int(getattr(settings, "CASE_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024))


def check_upload(upload) -> tuple[str, bytes]:
    """The upload's lower-case extension and content, or a ValidationError that says what is wrong."""
    name = PurePath(upload.name or "").name
    extension = PurePath(name).suffix.lower()
    if extension not in ALLOWED_TYPES:
        raise ValidationError(
            _("“%(name)s”: files of this type are not accepted. Accepted: %(types)s.")
            % {"name": name, "types": ", ".join(sorted(ALLOWED_TYPES))},
            code="file_type",
        )
    limit = max_size()
    if upload.size is not None and upload.size > limit:
        raise ValidationError(
            _("“%(name)s” is %(size).1f MB; the limit is %(limit).0f MB.")
            % {"name": name, "size": upload.size / 1048576, "limit": limit / 1048576},
            code="file_size",
        )
    content = upload.read()
    if len(content) > limit:
        raise ValidationError(_("“%(name)s” is too large.") % {"name": name}, code="file_size")
    if not content:
        raise ValidationError(_("“%(name)s” is empty.") % {"name": name}, code="file_empty")
    signatures = ALLOWED_TYPES[extension]
    if signatures is not None and not content.startswith(signatures):
        raise ValidationError(
            _("“%(name)s” is not a real %(type)s file.") % {"name": name, "type": extension[1:].upper()},
            code="file_content",
        )
    if signatures is None:
        try:
            content.decode("utf-8")
        except UnicodeDecodeError:
            raise ValidationError(_("“%(name)s” is not a text file.") % {"name": name}, code="file_content") from None
    return extension, content


def check_uploads(uploads) -> list[tuple[object, str, bytes]]:
    uploads = list(uploads or [])
    if len(uploads) > MAX_FILES_PER_UPLOAD:
        raise ValidationError(
            _("At most %(count)s files at a time.") % {"count": MAX_FILES_PER_UPLOAD}, code="too_many_files"
        )
    return [(upload, *check_upload(upload)) for upload in uploads]


def store_attachments(case: Case, checked, *, kind: str, actor) -> list[CaseAttachment]:
    """Store uploads already passed through check_uploads (so a bad file refuses the whole action first)."""
    stored = []
    for upload, extension, content in checked:
        digest = hashlib.sha256(content).hexdigest()
        attachment = CaseAttachment(
            case=case,
            kind=kind,
            original_name=PurePath(upload.name).name[:200],
            extension=extension,
            size=len(content),
            sha256=digest,
            uploaded_by=actor if getattr(actor, "pk", None) else None,
            uploaded_at=timezone.now(),
        )
        attachment.file.save(digest + extension, ContentFile(content), save=False)
        attachment.save()
        stored.append(attachment)
    return stored


def describe(attachments: list[CaseAttachment]) -> list[dict]:
    """How the trail records attachments: names, sizes and content hashes, so that a swapped file shows."""
    return [{"id": a.pk, "name": a.original_name, "size": a.size, "sha256": a.sha256} for a in attachments]
