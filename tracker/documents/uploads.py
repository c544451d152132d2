"""Receiving a requested document: the verb every door calls (the employer's portal today, the applicant's status
page next), and the download every door hands out.

``receive_upload`` checks the file by its content (``inspection``), stores it under a random key with its SHA-256,
marks the checklist item received on today's date through the case verb (``set_document_status``), and writes the
``document_uploaded`` audit event, all in the caller's unit of work. A refused file leaves nothing behind: no row,
no stored file. If the unit of work rolls back after the file was stored (a conflict at commit), the stored file is
deleted with the rollback.
"""
from __future__ import annotations

import hashlib
from urllib.parse import quote

from flask import Response, current_app
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from tracker import clock
from tracker.audit.models import EventKind
from tracker.audit.service import append_event
from tracker.auth.actors import ApplicantActor
from tracker.cases.access import can_act_on_case
from tracker.cases.limits import DailyLimit
from tracker.cases.models import Case, CaseDocument
from tracker.cases.service import (
    ACCESS_MESSAGE,
    ERASED_TAKES_NO_NEW_DATA,
    AccessDenied,
    CaseError,
    flush_or_conflict,
    is_erased,
    set_document_status,
)
from tracker.documents import inspection
from tracker.documents.models import Upload
from tracker.documents.storage import document_storage
from tracker.extensions import db
from tracker.procedures.definition import LocalText
from tracker.procedures.vocabulary import DocumentStatus, Role


class UploadRefused(CaseError):
    """The file is not accepted (type, content, size, name) or the item takes no upload; nothing was stored."""


#: A party uploads at most ``UPLOADS_PER_DAY`` files on one case in 24 hours: each is stored and each is a file a
#: clerk must open, so a party must not fill the storage or bury the documents that matter.
UPLOAD_LIMIT = DailyLimit(
    "UPLOADS_PER_DAY", Upload, Upload.uploaded_at, Upload.uploaded_by_id, Upload.from_applicant.is_(True),
    lambda limit: LocalText(
        f"Sie haben zu diesem Fall in den letzten 24 Stunden schon {limit} Dateien hochgeladen, die Höchstzahl. "
        "Die Behörde hat sie erhalten; bitte senden Sie weitere Dateien morgen.",
        f"You have uploaded {limit} files on this case in the last 24 hours, the most allowed. The office has "
        "received them; please send further files tomorrow."),
    UploadRefused)

#: Checklist items that take an upload: not yet in hand, asked for again, or in hand but not judged yet (a second
#: page). An accepted document needs nothing more.
OPEN_FOR_UPLOAD = frozenset({DocumentStatus.MISSING, DocumentStatus.REQUESTED, DocumentStatus.REJECTED,
                             DocumentStatus.RECEIVED})


def max_upload_bytes() -> int:
    return int(current_app.config["UPLOAD_MAX_BYTES"])


def _read(file, limit: int) -> bytes:
    """At most ``limit + 1`` bytes of an uploaded file (a werkzeug ``FileStorage`` or anything with ``read``)."""
    if file is None:
        return b""
    stream = getattr(file, "stream", file)
    return stream.read(limit + 1) or b""


def receive_upload(case: Case, checklist_item: CaseDocument | str, file, uploaded_by_user=None,
                   uploaded_by_applicant: bool = False) -> Upload:
    """Receive ``file`` for ``checklist_item`` of ``case``, sent by an employer user (``uploaded_by_user``) or by
    the applicant from the status page (``uploaded_by_applicant``: the caller has checked reference and access
    code). Returns the stored record; raises ``UploadRefused`` (why, in both languages: the file, the item, or the
    day's limit of uploads reached, ``UPLOAD_LIMIT``) or ``AccessDenied``."""
    if uploaded_by_applicant == (uploaded_by_user is not None):
        raise ValueError("an upload comes from either a user or the applicant")
    actor = ApplicantActor(case.id) if uploaded_by_applicant else uploaded_by_user
    if not uploaded_by_applicant and (uploaded_by_user.role != Role.EMPLOYER
                                      or not can_act_on_case(uploaded_by_user, case)):
        # The authority records paper it receives on the checklist; uploads are the parties' door.
        raise AccessDenied([ACCESS_MESSAGE])
    document_id = checklist_item if isinstance(checklist_item, str) else checklist_item.document_id
    item = next((d for d in case.documents if d.document_id == document_id), None)
    if item is None:
        raise UploadRefused([LocalText("Unbekanntes Dokument.", "Unknown document.")])
    if not case.is_open:
        raise UploadRefused([LocalText("Das Verfahren ist abgeschlossen; es werden keine Unterlagen mehr "
                                       "angenommen.", "The procedure has ended; no more documents are accepted.")])
    if is_erased(case):
        raise UploadRefused([ERASED_TAKES_NO_NEW_DATA])
    if DocumentStatus(item.status) not in OPEN_FOR_UPLOAD:
        raise UploadRefused([LocalText("Diese Unterlage liegt der Behörde bereits vor und ist geprüft.",
                                       "The authority already has this document and has checked it.")])
    limit = max_upload_bytes()
    data = _read(file, limit)
    try:
        checked = inspection.inspect(data, getattr(file, "filename", None) or "", limit)
    except inspection.FileRefused as refusal:
        raise UploadRefused([refusal.message]) from None

    # Wait for a colleague's change of this case to commit, then append after it (as notes do): two uploads at
    # once both succeed instead of one failing on the audit chain.
    db.session.execute(select(Case.id).where(Case.id == case.id).with_for_update())
    db.session.refresh(case, ["version", "audit_head", "event_seq", "updated_at"])
    UPLOAD_LIMIT.require_room(case, actor)  # counted under the lock: two at once cannot both take the last place
    storage = document_storage()
    key = storage.put(data)
    _delete_on_rollback(key)
    try:
        upload = Upload(case_id=case.id, case_document_id=item.id, storage_key=key,
                        sha256=hashlib.sha256(data).hexdigest(), size=len(data), media_type=checked.media_type,
                        file_name=checked.file_name, uploaded_at=clock.now(),
                        uploaded_by_id=None if uploaded_by_applicant else uploaded_by_user.id,
                        from_applicant=uploaded_by_applicant)
        db.session.add(upload)
        db.session.flush()
        # Received today: the day the file arrived is the fact's date (the decision period may run from it).
        set_document_status(case, item.document_id, DocumentStatus.RECEIVED, actor, received_on=clock.today())
        append_event(case, EventKind.DOCUMENT_UPLOADED, actor, subject=item.document_id,
                     data={"upload_id": upload.id, "sha256": upload.sha256, "size": upload.size,
                           "media_type": upload.media_type})
        flush_or_conflict()
    except BaseException:
        storage.delete(key)
        raise
    return upload


def _delete_on_rollback(key: str) -> None:
    """Forget the stored file if the transaction that records it rolls back; keep it once it commits."""
    session = db.session()
    pending = session.info.setdefault("uploaded_keys", [])
    pending.append(key)


@event.listens_for(Session, "after_commit")
def _keep_committed(session) -> None:
    session.info.pop("uploaded_keys", None)


@event.listens_for(Session, "after_rollback")
def _delete_rolled_back(session) -> None:
    keys = session.info.pop("uploaded_keys", None)
    if keys:
        storage = document_storage()
        for key in keys:
            storage.delete(key)


def case_uploads(case: Case) -> dict[int, list[Upload]]:
    """The case's uploads by checklist item (``case_documents.id``), oldest first, in one query."""
    result: dict[int, list[Upload]] = {}
    for upload in db.session.scalars(select(Upload).where(Upload.case_id == case.id).order_by(Upload.id)):
        result.setdefault(upload.case_document_id, []).append(upload)
    return result


def find_upload(case: Case, upload_id: int) -> Upload | None:
    upload = db.session.get(Upload, upload_id)
    return upload if upload is not None and upload.case_id == case.id else None


def download(upload: Upload) -> Response:
    """The stored file as an attachment: never shown inline, never sniffed into something else, never cached,
    under a plain ASCII name built from the reference and item (the sender's name goes only into the RFC 5987
    ``filename*``, percent-encoded)."""
    data = document_storage().read(upload.storage_key)
    if hashlib.sha256(data).hexdigest() != upload.sha256:
        # The stored bytes are not the ones received: hand out nothing (the operator restores from a backup).
        raise KeyError(upload.storage_key)
    return Response(data, mimetype=upload.media_type, headers={
        "Content-Disposition": attachment_header(upload),
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-store",
    })


def attachment_header(upload: Upload) -> str:
    extension = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}[upload.media_type]
    plain = f"document-{upload.id}.{extension}"
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(upload.file_name, safe='')}"
