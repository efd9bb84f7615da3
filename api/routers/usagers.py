"""The usager's file: identity, domiciliation, documents, mail, procurations, cards and justificatifs."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from classifier.labels import DOC_TYPES
from ingest.drop import drop_justificatif
from registry.models import Card, Channel, Domiciliation, Sexe, Usager
from registry.services import mail as mail_service
from registry.services import usagers as usager_service
from registry.services.auth import Principal
from registry.services.usagers import UsagerError

from ..access import usager_of
from ..deps import db
from ..params import ObjectId
from ..policy import COUNTER, FILES
from ..templating import render

router = APIRouter(tags=["usagers"])


class UsagerOut(BaseModel):
    id: int
    numero: str
    nom: str
    prenoms: str
    nom_usage: str | None
    date_naissance: dt.date | None
    open_mail: int


def _date(value: str) -> dt.date | None:
    value = value.strip()
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsagerError("usager.bad_date", value=value[:20]) from None


class IdentityForm:
    """The identity fields of the create and edit forms."""

    def __init__(
        self,
        nom: str = Form(max_length=120),
        prenoms: str = Form(default="", max_length=200),
        nom_usage: str = Form(default="", max_length=120),
        surnom: str = Form(default="", max_length=120),
        sexe: str = Form(default="", pattern="^(M|F|X)?$"),
        date_naissance: str = Form(default="", max_length=20),
        lieu_naissance: str = Form(default="", max_length=200),
        nationalite: str = Form(default="", max_length=100),
        telephone: str = Form(default="", max_length=32),
        email: str = Form(default="", max_length=200),
        channel: str = Form(default="sms", pattern="^(sms|email|none)$"),
    ) -> None:
        self.values: dict[str, object] = {
            "nom": nom.strip(),
            "prenoms": prenoms.strip(),
            "nom_usage": nom_usage.strip() or None,
            "surnom": surnom.strip() or None,
            "sexe": Sexe(sexe) if sexe else None,
            "date_naissance": _date(date_naissance),
            "lieu_naissance": lieu_naissance.strip() or None,
            "nationalite": nationalite.strip() or None,
            "telephone": telephone.strip() or None,
            "email": email.strip() or None,
            "channel": Channel(channel),
        }


@router.get("/usagers", response_class=HTMLResponse, summary="Chercher un usager (page)")
def list_page(request: Request, principal: Principal = Depends(COUNTER)) -> HTMLResponse:
    return render(request, "usagers.html", q="", found=[])


@router.post("/usagers/recherche", response_class=HTMLResponse, summary="Chercher un usager (résultats)")
def search_page(
    request: Request,
    q: str = Form(default="", max_length=100),
    principal: Principal = Depends(COUNTER),
    session: Session = Depends(db),
) -> HTMLResponse:
    """A POST, so that the names typed stay out of URLs (browser history, proxy logs)."""
    found = usager_service.search(session, principal.structure_id, q, limit=50) if q.strip() else []
    return render(request, "usagers.html", q=q, found=found)


class SearchIn(BaseModel):
    q: str = Field(max_length=100)


@router.post("/api/usagers/recherche", response_model=list[UsagerOut], summary="Chercher un usager (JSON)")
def search_api(
    query: SearchIn, principal: Principal = Depends(COUNTER), session: Session = Depends(db)
) -> list[UsagerOut]:
    q = query.q
    return [
        UsagerOut(
            id=u.id,
            numero=u.numero,
            nom=u.nom,
            prenoms=u.prenoms,
            nom_usage=u.nom_usage,
            date_naissance=u.date_naissance,
            open_mail=usager_service.open_mail_count(session, u.id),
        )
        for u in usager_service.search(session, principal.structure_id, q, limit=50)
    ]


@router.get("/usagers/nouveau", response_class=HTMLResponse, summary="Créer un usager (formulaire)")
def new_form(request: Request, principal: Principal = Depends(FILES)) -> HTMLResponse:
    return render(request, "usager_form.html", usager=None)


@router.post("/usagers", summary="Créer un usager")
def create(
    identity: IdentityForm = Depends(), principal: Principal = Depends(FILES), session: Session = Depends(db)
) -> Response:
    values = dict(identity.values)
    usager = usager_service.create_usager(
        session,
        principal.structure_id,
        nom=str(values.pop("nom")),
        prenoms=str(values.pop("prenoms")),
        actor=principal.actor,
        **values,
    )
    return RedirectResponse(f"/usagers/{usager.id}?msg=flash.usager.saved", status_code=303)


@router.get("/usagers/{usager_id}", response_class=HTMLResponse, summary="Dossier d'un usager (page)")
def file_page(
    request: Request, usager_id: ObjectId, principal: Principal = Depends(COUNTER), session: Session = Depends(db)
) -> HTMLResponse:
    usager = usager_of(session, principal, usager_id)
    return render(request, "usager.html", **_file(request, session, usager, principal))


def _file(request: Request, session: Session, usager: Usager, principal: Principal) -> dict[str, object]:
    return {
        "usager": usager,
        "domiciliations": list(
            session.scalars(
                select(Domiciliation).where(Domiciliation.usager_id == usager.id).order_by(Domiciliation.id.desc())
            )
        ),
        "documents": usager_service.documents_of(session, usager.id),
        "mail": mail_service.mail_history(session, usager.id, limit=50),
        "procurations": list(usager.procurations),
        "today": mail_service.today(),
        "active_cards": len(
            session.scalars(select(Card.id).where(Card.usager_id == usager.id, Card.revoked_at.is_(None))).all()
        ),
        "can_edit": request.app.state.nav_policies["files"].admits(principal.role),
        "doc_types": (*DOC_TYPES, "justificatif"),
    }


@router.get("/usagers/{usager_id}/modifier", response_class=HTMLResponse, summary="Modifier un usager (formulaire)")
def edit_form(
    request: Request, usager_id: ObjectId, principal: Principal = Depends(FILES), session: Session = Depends(db)
) -> HTMLResponse:
    return render(request, "usager_form.html", usager=usager_of(session, principal, usager_id))


@router.post("/usagers/{usager_id}", summary="Modifier un usager")
def update(
    usager_id: ObjectId,
    identity: IdentityForm = Depends(),
    principal: Principal = Depends(FILES),
    session: Session = Depends(db),
) -> Response:
    usager = usager_of(session, principal, usager_id)
    usager_service.update_usager(session, usager, actor=principal.actor, **identity.values)
    return RedirectResponse(f"/usagers/{usager.id}?msg=flash.usager.saved", status_code=303)


@router.post("/usagers/{usager_id}/procurations", summary="Ajouter une procuration")
def add_procuration(
    usager_id: ObjectId,
    nom: str = Form(max_length=120),
    prenoms: str = Form(default="", max_length=200),
    piece: str = Form(default="", max_length=200),
    debut: str = Form(max_length=20),
    fin: str = Form(max_length=20),
    principal: Principal = Depends(FILES),
    session: Session = Depends(db),
) -> Response:
    usager = usager_of(session, principal, usager_id)
    start, end = _date(debut), _date(fin)
    if start is None or end is None:
        raise UsagerError("usager.bad_date", value=debut if start is None else fin)
    mail_service.add_procuration(
        session,
        usager,
        nom=nom,
        prenoms=prenoms,
        piece=piece,
        debut=start,
        fin=end,
        actor=principal.actor,
        actor_id=principal.user_id,
    )
    return RedirectResponse(f"/usagers/{usager.id}?msg=flash.procuration.added#procurations", status_code=303)


@router.post("/usagers/{usager_id}/procurations/{procuration_id}/revoquer", summary="Révoquer une procuration")
def revoke_procuration(
    usager_id: ObjectId, procuration_id: ObjectId, principal: Principal = Depends(FILES), session: Session = Depends(db)
) -> Response:
    usager = usager_of(session, principal, usager_id)
    mail_service.revoke_procuration(session, usager, procuration_id, actor=principal.actor)
    return RedirectResponse(f"/usagers/{usager.id}?msg=flash.procuration.revoked#procurations", status_code=303)


@router.post("/usagers/{usager_id}/justificatifs", summary="Déposer un justificatif dans le dossier")
def upload(
    request: Request,
    usager_id: ObjectId,
    fichier: UploadFile = File(),
    principal: Principal = Depends(FILES),
    session: Session = Depends(db),
) -> Response:
    usager = usager_of(session, principal, usager_id)
    drop_justificatif(request.app.state.settings, usager.numero, fichier.filename or "", fichier.file)
    return RedirectResponse(f"/usagers/{usager.id}?msg=flash.usager.uploaded", status_code=303)


@router.post("/usagers/{usager_id}/carte", response_class=HTMLResponse, summary="Éditer une nouvelle carte")
def issue_card(
    request: Request, usager_id: ObjectId, principal: Principal = Depends(FILES), session: Session = Depends(db)
) -> HTMLResponse:
    usager = usager_of(session, principal, usager_id)
    issued = usager_service.issue_card(session, usager, actor=principal.actor)
    return render(request, "usager.html", **{**_file(request, session, usager, principal), "card_token": issued.token})
