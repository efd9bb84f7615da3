"""Every route has an owner role: the role × route matrix, CSRF on writes, and no reach into another structure."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from api.policy import USAGER as USAGER_DEPENDENCY
from api.policy import Policy, route_table
from registry.models import Document, KioskDevice, Procuration, Role, Usager, User
from registry.services import mail as mail_service
from registry.services.kiosks import register_kiosk
from tests.console_env import ConsoleEnv, make_console
from tests.policy_spec import ROLES, ROUTES

PARAM = re.compile(r"{(\w+)}")
USAGER_POLICY = USAGER_DEPENDENCY.policy  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> ConsoleEnv:
    return make_console(tmp_path_factory.mktemp("console"))


def _routes(env: ConsoleEnv) -> list[tuple[str, str, Policy | None]]:
    return sorted(
        ((entry.method, entry.path, entry.policy) for entry in route_table(env.app) if entry.method != "HEAD"),
        key=lambda r: (r[1] in _LOG_OUTS, r[1], r[0]),  # log-outs last: they end the session
    )


_LOG_OUTS = {"/logout", "/portail/deconnexion"}
_LOGIN_PAGES = ("/login?", "/portail/connexion?")
USAGER = "usager"  # the matrix's portal role: Martin, logged in to the portal
KIOSK = "kiosk"  # a registered borne, sending its key


def _url(path: str, ids: dict[str, int]) -> str:
    names = {
        "usager_id": ids.get("usager_martin", ids.get("usager")),
        "item_id": ids.get("mail_review", ids.get("mail")),
        "document_id": ids.get("document"),
        "procuration_id": ids.get("procuration"),
        "kiosk_id": ids.get("kiosk"),
        "user_id": ids.get("user_agent", ids.get("user")),
        "job_id": 999999,
        "domiciliation_id": ids.get("domiciliation"),
        "decision_id": ids.get("decision"),
        "verify_id": "inconnu",
        "notice_id": ids.get("notice"),
    }
    return PARAM.sub(lambda m: str(names[m.group(1)]), path)


def test_every_route_declares_exactly_one_policy(env: ConsoleEnv) -> None:
    missing = [f"{m} {p}" for m, p, policy in _routes(env) if policy is None]
    assert missing == []
    served = {(m, p) for m, p, _ in _routes(env)}
    assert served == set(ROUTES), "the spec (tests/policy_spec.py) and the served routes differ"


@pytest.mark.parametrize(
    "role", [*Role, USAGER, KIOSK, None], ids=[*(r.value for r in Role), "usager", "kiosk", "anonymous"]
)
def test_role_route_matrix(env: ConsoleEnv, role: Role | str | None) -> None:
    """Each role reaches exactly the routes its policy admits; the others answer 403 (or ask to log in).

    A usager logged in to the portal is a role of the matrix: they reach the portal's routes only, and
    no agent reaches those. So is a kiosk, by its key: the kiosk API only.
    """
    if role == USAGER:
        client = env.usager_client("usager_martin")
    elif role == KIOSK:
        client = env.client()
        with env.services.sessions.begin() as session:  # a kiosk of its own: the admins' run revokes ids["kiosk"]
            structure_id = session.get(User, env.ids["user_admin"]).structure_id  # type: ignore[union-attr]
            client.headers["X-Kiosk-Key"] = register_kiosk(session, structure_id, "Matrice", actor="test").key
    else:
        client = env.client(role)  # type: ignore[arg-type]
    wrong = []
    for method, path, policy in _routes(env):
        assert policy is not None
        assert ROUTES.get((method, path)) == policy.name, (
            f"{method} {path}: policy {policy.name}, spec {ROUTES.get((method, path))}"
        )
        expected = ROLES[policy.name]
        assert (None if policy.roles is None else set(policy.roles)) == expected, policy.name
        response = client.request(method, _url(path, env.ids), headers={"accept": "text/html"})
        sent_to_login = response.headers.get("location", "").startswith(_LOGIN_PAGES)
        refused = response.status_code in (401, 403) or (sent_to_login and policy.roles is not None)
        if refused == (expected is None or (role is not None and str(role) in expected)):
            wrong.append(f"{method} {path}: {response.status_code} for {role}")
        assert response.status_code < 500, f"{method} {path}: {response.status_code}"
    assert wrong == []


def test_writes_need_the_session_csrf_token(env: ConsoleEnv) -> None:
    client = env.client(Role.ADMIN)
    token = client.headers.pop("X-CSRF-Token")
    refused = client.post("/admin/bornes", data={"name": "Hall"}, headers={"accept": "text/html"})
    assert refused.status_code == 403 and "formulaire a expiré" in refused.text
    wrong = client.post("/admin/bornes", data={"name": "Hall", "csrf_token": "x" * 43})
    assert wrong.status_code == 403
    accepted = client.post("/admin/bornes", data={"name": "Hall", "csrf_token": token})
    assert accepted.status_code == 200 and 'id="kiosk-key"' in accepted.text


# Valid bodies, so that a refusal cannot come from form validation before the ownership check.
_FORMS: dict[str, dict[str, object]] = {
    "/revue/{item_id}/confirmer": {"usager_id": "{usager}"},
    "/revue/{item_id}/autre": {"numero": "1"},
    "/remise/{usager_id}": {"items": "{mail}", "to": "usager"},
    "/usagers/{usager_id}": {"nom": "Piraté"},
    "/usagers/{usager_id}/procurations": {"nom": "Intrus", "debut": "2026-01-01", "fin": "2030-01-01"},
    "/admin/agents/{user_id}": {"role": "agent", "active": "false"},
    "/commission/dossiers/{domiciliation_id}/decision": {"outcome": "accord", "deciders": "{user}"},
    "/commission/decisions/{decision_id}/refuser": {"reason": "absent"},
}
# Ingest jobs belong to the installation (one structure per installation), not to a structure.
_INSTALLATION_WIDE = {"/quarantaine/{job_id}/reessayer"}


def test_nothing_of_another_structure_is_reachable(env: ConsoleEnv) -> None:
    """An admin of structure 1 tries every route with the ids of structure 2: always 404, nothing changes."""
    with env.services.sessions.begin() as session:
        stranger_doc = Document(
            usager_id=env.other["usager"],
            kind="justificatif",
            sha256="0" * 64,
            size=1,
            mime_type="application/pdf",
            storage_key="1",
        )
        session.add(stranger_doc)
        session.flush()
        other = {**env.other, "document": stranger_doc.id}
    client = env.client(Role.ADMIN)
    tried = 0
    for method, path, policy in _routes(env):
        if not PARAM.search(path) or path in _INSTALLATION_WIDE or policy == USAGER_POLICY:
            continue  # the portal's routes admit no agent at all (matrix); usagers' own ids: test_portal.py
        url = _url(path, other)
        form = {k: str(v).format(**other) for k, v in _FORMS.get(path, {}).items()}
        files = (
            {"fichier": ("x.pdf", io.BytesIO(b"%PDF-1.4"), "application/pdf")}
            if path.endswith("justificatifs")
            else None
        )
        response = client.request(method, url, data=form or None, files=files, headers={"accept": "application/json"})
        assert response.status_code == 404, f"{method} {url}: {response.status_code} {response.text[:200]}"
        tried += 1
    assert tried >= 15
    with env.services.sessions() as session:
        assert session.get(User, other["user"]).active  # type: ignore[union-attr]
        assert session.get(KioskDevice, other["kiosk"]).revoked_at is None  # type: ignore[union-attr]
        assert session.get(Procuration, other["procuration"]).revoked_at is None  # type: ignore[union-attr]
    uploads = list(Path(env.settings.effective_scanner_folders[0]).rglob("console-*"))
    assert uploads == []


def test_one_usager_s_mail_and_procurations_cannot_be_used_for_another(env: ConsoleEnv) -> None:
    client = env.client(Role.INSTRUCTEUR)
    a, martin = env.ids["usager_a"], env.ids["usager_martin"]
    with env.services.sessions.begin() as session:
        today = mail_service.today()
        owner = session.get(Usager, martin)
        assert owner is not None
        procuration = mail_service.add_procuration(
            session, owner, nom="Benali", prenoms="Karim", debut=today, fin=today, actor="test"
        ).id
    remise = client.post(f"/remise/{a}", data={"items": str(env.ids["mail_open"]), "to": "usager"})
    assert remise.status_code == 400 and "n'est pas en attente pour cet usager" in remise.json()["detail"]
    mandataire = client.post(
        f"/remise/{martin}", data={"items": str(env.ids["mail_open"]), "to": "mandataire", "procuration_id": "999"}
    )
    assert mandataire.status_code == 400 and "procuration" in mandataire.json()["detail"]
    revoke = client.post(f"/usagers/{a}/procurations/{procuration}/revoquer")
    assert revoke.status_code == 404
    with env.services.sessions() as session:
        assert session.get(Procuration, procuration).revoked_at is None  # type: ignore[union-attr]
        assert session.scalars(select(Procuration).where(Procuration.usager_id == a)).first() is None
