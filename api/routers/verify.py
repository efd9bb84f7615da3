"""Public verification: /verify/<id> behind an attestation's QR code, and the upload check of any signed PDF."""

from __future__ import annotations

import dataclasses
import re
import threading

from fastapi import APIRouter, Depends, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from registry.i18n import CATALOGUES, DEFAULT_LANGUAGE, CoffreError, t
from signing.public import AttestationLookup, PublicVerifier
from signing.verify import VerificationReport

from ..policy import public
from ..templating import render

router = APIRouter(tags=["vérification"])

_FIELD = "fichier"
_VERIFY_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")  # signing.issue.new_verify_id: token_urlsafe
_FORM_OVERHEAD = 64 * 1024  # multipart boundaries and headers around the file


class VerifyError(CoffreError):
    """An upload the public check refuses (message from the catalogue)."""


def _wants_json(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def _verifier(request: Request) -> PublicVerifier:
    return request.app.state.public_verifier()  # type: ignore[no-any-return]


def _slots(request: Request) -> threading.BoundedSemaphore:
    return request.app.state.verify_slots  # type: ignore[no-any-return]


def problem_text(problem: str) -> str:
    """A validator problem code ("modified_after_signing:form_filling", …) in French."""
    key = "verify.problem." + problem.split(":", 1)[0]
    return t(key) if key in CATALOGUES[DEFAULT_LANGUAGE] else problem


def _max_mb(request: Request) -> int:
    return max(1, request.app.state.settings.api.verify_max_bytes // (1024 * 1024))


@router.get("/verify", response_class=HTMLResponse, dependencies=[Depends(public)], summary="Vérifier un PDF")
def upload_form(request: Request) -> HTMLResponse:
    return render(request, "verify_form.html", max_mb=_max_mb(request))


@router.post("/verify", dependencies=[Depends(public)], summary="Vérifier un PDF signé (rapport HTML ou JSON)")
async def upload(request: Request) -> Response:
    limit: int = request.app.state.settings.api.verify_max_bytes
    length = request.headers.get("content-length", "")
    if not length.isdigit():  # a chunked body would be spooled to disk whatever its size
        raise VerifyError("verify.length_required")
    if int(length) > limit + _FORM_OVERHEAD:
        raise VerifyError("verify.too_large", mb=_max_mb(request))  # refused before reading the body
    async with request.form(max_files=1, max_fields=2) as form:
        sent = form.get(_FIELD)
        if not isinstance(sent, UploadFile):
            raise VerifyError("verify.no_file")
        data = await sent.read(limit + 1)
    if len(data) > limit:
        raise VerifyError("verify.too_large", mb=_max_mb(request))
    if b"%PDF-" not in data[:1024]:
        raise VerifyError("verify.not_pdf")
    slots = _slots(request)
    if not slots.acquire(blocking=False):
        return _busy(request)
    try:
        report = await run_in_threadpool(_verifier(request).verify_pdf, data)
    finally:
        slots.release()
    if _wants_json(request):
        return JSONResponse(report_json(report))
    return render(request, "verify_report.html", report=report, problem=problem_text)


@router.get("/verify/{verify_id}", dependencies=[Depends(public)], summary="Authenticité d'une attestation (QR code)")
def lookup(request: Request, verify_id: str) -> Response:
    found = _verifier(request).lookup(verify_id) if _VERIFY_ID.fullmatch(verify_id) else None
    if found is None:
        if _wants_json(request):
            return JSONResponse({"found": False, "detail": t("ui.verify.not_found")}, status_code=404)
        return render(request, "verify_lookup.html", status_code=404, found=None)
    if _wants_json(request):
        return JSONResponse(lookup_json(found))
    return render(request, "verify_lookup.html", found=found, signed_on=_signed_on(found))


def _busy(request: Request) -> Response:
    if _wants_json(request):
        return JSONResponse({"detail": t("verify.busy")}, status_code=429, headers={"Retry-After": "5"})
    return render(request, "error.html", status_code=429, message=t("verify.busy"))


def report_json(report: VerificationReport) -> dict[str, object]:
    return jsonable_encoder(dataclasses.asdict(report))  # type: ignore[no-any-return]


def _signed_on(found: AttestationLookup):  # type: ignore[no-untyped-def]
    times = [s.timestamp or s.signing_time for s in found.report.signatures if s.kind == "signature"]
    return min((x for x in times if x is not None), default=None)


def lookup_json(found: AttestationLookup) -> dict[str, object]:
    """What the document itself shows, and the verdict; no signer names, no personal data."""
    return jsonable_encoder(
        {
            "found": True,
            "verify_id": found.verify_id,
            "authentic": found.authentic,
            "state": found.state,
            "state_label": t(f"attestation_state.{found.state}"),
            "organisme": found.organisme,
            "debut": found.debut,
            "fin": found.fin,
            "signed_on": _signed_on(found),
            "verdict": found.report.verdict.value,
            "signatures": [
                {"kind": s.kind, "verdict": s.verdict.value, "level": s.level, "timestamp": s.timestamp}
                for s in found.report.signatures
            ],
        }
    )
