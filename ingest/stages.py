"""The pipeline's stages, small verb-named functions over one JobContext; each is idempotent."""

from __future__ import annotations

import logging

import cv2
import numpy as np
from sqlalchemy import select

from ocr.fulltext import readable_text
from registry import audit
from registry.models import Document, IngestResult, MailItem, MailKind, MailStatus
from registry.services.usagers import by_numero

from . import coversheet
from .context import ACTOR, Item, JobContext
from .errors import Quarantine
from .inspect import inspect_bytes
from .pages import PageRenderer, is_blank, read_qr
from .searchable import envelope_pdf, merge, ocr_page_pdf

log = logging.getLogger(__name__)
ENVELOPE = "enveloppe"
DEFAULT_DOCUMENT = "justificatif"


def inspect(ctx: JobContext) -> None:
    """Type by magic bytes, name agreement, encryption, structure and size limits."""
    ctx.info = inspect_bytes(ctx.data, ctx.source_name, ctx.settings.ingest)
    ctx.state["info"] = {
        "type": ctx.info.type,
        "pages": ctx.info.pages,
        "mime": ctx.info.mime_type,
        "mode": ctx.info.scan_mode,
    }


def split(ctx: JobContext) -> None:
    """Cut the file into items: blank pages separate, Coffre cover sheets name the usager and kind."""
    limits = ctx.settings.ingest
    items: list[Item] = []
    current: Item | None = None
    folder_default = (DEFAULT_DOCUMENT, ctx.hint_numero, "folder") if ctx.folder_kind == "justificatifs" else None
    cover: tuple[str, str | None, str] | None = folder_default
    for number in range(ctx.info.pages):  # type: ignore[union-attr]
        page = ctx.page(number)
        if is_blank(page, limits.blank_ink_ratio):
            current = None  # a separator
            continue
        sheet = coversheet.parse(read_qr(page))
        if sheet is not None:
            cover, current = (sheet.kind, sheet.numero, "cover"), None
            continue
        if cover is None:  # envelopes: one page, one letter
            items.append(Item(len(items), [number], ENVELOPE))
            continue
        if current is None:
            current = Item(len(items), [], cover[0], cover[1], cover[2])
            items.append(current)
        current.pages.append(number)
    if not items:
        raise Quarantine("quarantine.blank")
    _check_numeros(ctx, items)
    ctx.state["items"] = [i.to_json() for i in items]


def preprocess(ctx: JobContext) -> None:
    """Straighten document pages (envelopes are straightened by the address reader on the crop)."""
    skews = {}
    for item in ctx.items:
        if item.kind == ENVELOPE:
            continue
        for number in item.pages:
            angle = _skew_angle(ctx.page(number))
            if abs(angle) >= 0.3:
                skews[str(number)] = angle
    ctx.state["skew"] = skews


def ocr(ctx: JobContext) -> None:
    """Envelopes: the address block (fast path). Documents: a full text layer, kept in the job's work dir."""
    results = dict(ctx.state.get("ocr", {}))  # type: ignore[arg-type]
    limits = ctx.settings.ingest
    for item in ctx.items:
        key = str(item.index)
        if key in results and (item.kind == ENVELOPE or (ctx.workdir() / f"item-{item.index}.pdf").exists()):
            continue
        if item.kind == ENVELOPE:
            page = ctx.page(item.pages[0])
            block = ctx.services.reader.read(page)
            height, width = page.shape[:2]
            if block.rotation in (90, 270):
                width, height = height, width
            results[key] = {
                "size": [width, height],  # of the upright page, the frame of "box" (for the review crop)
                "lines": block.lines,
                "zone": block.zone,
                "rotation": block.rotation,
                "anchor": block.anchor_found,
                "confidence": round(block.confidence, 3),
                "box": list(block.box),
            }
            if ctx.settings.classifier.read_marks:
                found = block.box if block.lines else None
                results[key]["marks"] = ctx.services.marks.read(page, block.rotation, found).to_json()
        else:
            pdfs, texts = [], []
            for number in item.pages:
                page = _deskewed(ctx.page(number), float(ctx.state.get("skew", {}).get(str(number), 0.0)))  # type: ignore[union-attr]
                pdf, text = ocr_page_pdf(page, lang="fra", dpi=limits.raster_dpi, timeout=limits.ocr_timeout_seconds)
                pdfs.append(pdf)
                if item.kind == DEFAULT_DOCUMENT:  # its type is read from the text: make sure there is some
                    text = readable_text(ctx.services.reader.engine, page, limits.raster_dpi, text)
                texts.append(text)
            (ctx.workdir() / f"item-{item.index}.pdf").write_bytes(merge(pdfs))
            results[key] = {"text": "\n\f".join(texts)[:20000]}
        ctx.state["ocr"] = results


def match(ctx: JobContext) -> None:
    """Envelopes: parse the block and decide the usager, classify sender and kind. Documents: the usager named by
    folder or cover sheet, the type read from the text when the sheet did not say it."""
    from classifier.addressee import parse_block
    from classifier.engine import classify_envelope
    from classifier.history import sender_key
    from classifier.labels import DOCUMENT
    from classifier.matching import decide

    decisions = {}
    index, history = ctx.services.index(), ctx.services.history()
    classifier = ctx.services.classifier
    classifier.refresh()
    for item in ctx.items:
        if item.kind != ENVELOPE:
            usager_id = index_usager(ctx, item.numero)
            found = None
            if item.kind == DEFAULT_DOCUMENT:  # no cover sheet naming the type: read it
                text = str(ctx.state["ocr"][str(item.index)].get("text", ""))  # type: ignore[index]
                found = {"document": classifier.predict(DOCUMENT, text).to_json()}
            decisions[str(item.index)] = {
                "status": "assigned",
                "usager_id": usager_id,
                "numero": item.numero,
                "confidence": 1.0,
                "candidates": [],
                "reasons": [item.source],
                "class": found,
            }
            continue
        read = ctx.state["ocr"][str(item.index)]  # type: ignore[index]
        lines = read["lines"]
        parsed = parse_block(list(lines), ctx.settings.structure)
        marks = read.get("marks")
        found = classify_envelope(classifier, marks["band"], marks["labels"]) if marks is not None else None
        key = sender_key(found.sender, found.sender_org.label) if found is not None else None  # as MailItem keeps it
        result = decide(index, parsed, ctx.settings.matching, sender_key=key, history=history)
        decisions[str(item.index)] = {
            "status": result.status.value,
            "usager_id": result.usager_id,
            "numero": result.numero,
            "confidence": round(result.confidence, 3),
            "candidates": result.candidates_json(),
            "reasons": list(result.reasons),
            "name_key": result.name_key,
        }
        if found is not None:
            decisions[str(item.index)]["class"] = found.to_json()
    ctx.state["match"] = decisions


def archive(ctx: JobContext) -> None:
    """Deposit each item's searchable PDF in the coffre-fort (the usager's key when assigned)."""
    archived = dict(ctx.state.get("archived", {}))  # type: ignore[arg-type]
    items = ctx.items
    for item in items:
        key = str(item.index)
        if key in archived:
            continue
        decision = ctx.state["match"][key]  # type: ignore[index]
        usager_id = decision["usager_id"] if decision["status"] == "assigned" else None
        vault_key = f"ingest/{ctx.job_id}/{item.index}"
        already = ctx.services.vault.find(vault_key, actor=ACTOR)  # deposited before a crash
        if already is not None:
            archived[key] = already.object_id
            ctx.state["archived"] = archived
            continue
        if item.kind == ENVELOPE:
            found = ctx.state["ocr"][key]  # type: ignore[index]
            pdf = envelope_pdf(
                ctx.page(item.pages[0]),
                ctx.settings.ingest.raster_dpi,
                found["lines"],
                tuple(found["box"]) if found.get("box") else None,
                int(found.get("rotation", 0)),
                scan_jpeg=ctx.render.scan_jpeg(item.pages[0]) if isinstance(ctx.render, PageRenderer) else None,
            )
        else:
            pdf = (ctx.workdir() / f"item-{item.index}.pdf").read_bytes()
        receipt = ctx.services.vault.deposit(
            pdf,
            kind=item.kind,
            actor=ACTOR,
            usager_id=usager_id,
            mime_type="application/pdf",
            filename=f"{ctx.source_name}#p{item.first_page}.pdf",
            metadata={"job": ctx.job_id, "item": item.index},
            key=vault_key,
        )
        archived[key] = receipt.object_id
        ctx.state["archived"] = archived
        if item is not items[-1]:  # the last one is recorded with the stage (a deposit left unrecorded is found again)
            ctx.checkpoint()


def register(ctx: JobContext) -> None:
    """Create the Document (and, for envelopes, the MailItem) of each item, once."""
    from registry.models import VaultObject

    structure_id = ctx.services.structure_id  # read before the transaction: SQLite allows one writer at a time
    with ctx.services.sessions.begin() as session:
        for item in ctx.items:
            if session.scalars(
                select(IngestResult).where(IngestResult.job_id == ctx.job_id, IngestResult.item_index == item.index)
            ).first():
                continue
            key = str(item.index)
            decision = ctx.state["match"][key]  # type: ignore[index]
            stored = session.get(VaultObject, ctx.state["archived"][key])  # type: ignore[index]
            assigned = decision["status"] == "assigned"
            found = decision.get("class") or {}
            kind = found["document"]["label"] if "document" in found else item.kind
            document = Document(
                usager_id=decision["usager_id"] if assigned else None,
                kind=kind,
                title=f"{ctx.source_name} p. {item.first_page}",
                sha256=stored.sha256,
                size=stored.size,
                mime_type="application/pdf",
                storage_key=str(stored.id),
                version_id=stored.version_id,
                retention_until=stored.retention_until,
            )
            session.add(document)
            session.flush()
            mail_id = None
            if item.kind == ENVELOPE:
                mail = MailItem(
                    structure_id=structure_id,
                    usager_id=document.usager_id,
                    kind=MailKind(found["kind"]["label"]) if "kind" in found else MailKind.LETTRE,
                    sender=found.get("sender"),
                    sender_org=found["sender_org"]["label"] if "sender_org" in found else None,
                    urgent=bool(found.get("urgent", False)),
                    received_at=ctx.started,
                    match_confidence=decision["confidence"],
                    status=MailStatus.RECU if assigned else MailStatus.EN_REVUE,
                    candidates=decision["candidates"],
                    scan_document_id=document.id,
                    addressee_key=decision.get("name_key") or None,
                )
                session.add(mail)
                session.flush()
                mail_id = mail.id
            session.add(
                IngestResult(
                    job_id=ctx.job_id,
                    item_index=item.index,
                    first_page=item.first_page,
                    page_count=len(item.pages),
                    kind=kind,
                    status=decision["status"],
                    usager_id=document.usager_id,
                    confidence=decision["confidence"],
                    candidates=decision["candidates"],
                    object_id=stored.id,
                    document_id=document.id,
                    mail_item_id=mail_id,
                )
            )
            audit.record(
                session,
                ACTOR,
                "ingest.register",
                f"ingest:{ctx.job_id}",
                {
                    "item": item.index,
                    "status": decision["status"],
                    "document": document.id,
                    "mail": mail_id,
                    "usager": document.usager_id,
                },
            )


def notify(ctx: JobContext) -> None:
    """Hand each assigned mail item to the notifier (by default it joins the usager's next batched notice)."""
    notifier = ctx.services.notifier
    if notifier is None:
        return
    with ctx.services.sessions.begin() as session:
        for result in session.scalars(
            select(IngestResult).where(IngestResult.job_id == ctx.job_id, IngestResult.mail_item_id.is_not(None))
        ):
            mail = session.get(MailItem, result.mail_item_id)
            if mail is not None and mail.usager_id is not None:
                notifier(session, mail)


STAGES = (inspect, split, preprocess, ocr, match, archive, register, notify)


def index_usager(ctx: JobContext, numero: str | None) -> int:
    structure_id = ctx.services.structure_id
    with ctx.services.sessions() as session:
        usager = by_numero(session, structure_id, numero or "")
        if usager is None:
            raise Quarantine("quarantine.unknown_numero", numero=numero or "?")
        return usager.id


def _check_numeros(ctx: JobContext, items: list[Item]) -> None:
    for numero in {i.numero for i in items if i.kind != ENVELOPE}:
        index_usager(ctx, numero)


def _skew_angle(page: np.ndarray) -> float:
    """The dominant text angle (degrees) from the ink's minimum-area rectangle, on a reduced page."""
    small = cv2.resize(page, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    ink = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)[1]
    ink = cv2.dilate(ink, np.ones((1, 15), np.uint8))
    points = np.column_stack(np.nonzero(ink))
    if len(points) < 100:
        return 0.0
    angle = cv2.minAreaRect(points[:, ::-1].astype(np.float32))[2]
    angle = angle - 90 if angle > 45 else angle
    return float(angle) if abs(angle) <= 10 else 0.0


def _deskewed(page: np.ndarray, angle: float) -> np.ndarray:
    if not angle:
        return page
    height, width = page.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    return cv2.warpAffine(page, matrix, (width, height), flags=cv2.INTER_LINEAR, borderValue=255)
