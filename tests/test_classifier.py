"""The classifier: rules per class, the HMAC'd model file, and agents' corrections retraining the model."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from classifier import training
from classifier.engine import Classifier, classify_envelope, model_keys, model_path
from classifier.labels import DOCUMENT, KIND, SENDER
from classifier.model import Example, TextModel
from registry.db import make_engine, session_factory, upgrade
from registry.models import IngestJob, IngestResult, MailItem, MailKind, MailStatus
from registry.services.structures import ensure_structure
from registry.settings import ClassifierSettings, Settings

SENDERS = {
    "caf": "caf\nCaisse d'allocations familiales\nCAF de la Seine-Saint-Denis\n93024 BOBIGNY CEDEX",
    "cpam": "l'Assurance Maladie\nCPAM de la Seine-Saint-Denis\nTSA 61234",
    "france_travail": "FRANCE TRAVAIL\nAgence d'Aubervilliers",
    "dgfip": "DIRECTION GÉNÉRALE DES FINANCES PUBLIQUES\nSIP de Bobigny",
    "prefecture": "PRÉFECTURE DE LA SEINE-SAINT-DENIS\nBureau des séjours",
    "tribunal": "TRIBUNAL ADMINISTRATIF\nde Montreuil - Greffe",
    "ofii": "OFII\nOffice français de l'immigration et de l'intégration",
    "banque": "SOCIÉTÉ GÉNÉRALE\nService clients",
    "energie": "ENGIE\nService clients gaz et électricité",
    "autre": "Exp. : A. Konaté\n14 rue Myrha\n75018 PARIS",
}
KINDS = {
    "lettre": "LA POSTE\nLETTRE VERTE\n12.03.26",
    "recommande": "Letire recommandée R2 AR\navec avis de réception\nJA 329 352 3217 9",
    "avis_de_passage": "AVIS DE PASSAGE\nNous sommes passés le 28/12\npour vous remettre une lettre recommandée.",
    "colis": "COLISSIMO\nColis suivi\nPoids : 1,2 kg",
}
DOCUMENTS = {
    "piece_identite": "RÉPUBLIQUE FRANÇAISE\nCARTE NATIONALE D'IDENTITÉ\nNom / Surname DIALLO\nIDFRADIALLO<<AWA<<<",
    "passeport": "PASSEPORT / PASSPORT\nType P Code du pays MLI\nP<MLIDIALLO<<AWA<<<<<<<",
    "titre_sejour": "RÉPUBLIQUE FRANÇAISE\nTITRE DE SÉJOUR\nCARTE DE SÉJOUR TEMPORAIRE\nVIE PRIVÉE ET FAMILIALE",
    "attestation_caf": "caf\nATTESTATION DE PAIEMENT\nN° allocataire 1234567\nPrime d'activité 210,00 €",
    "attestation_cpam": "l'Assurance Maladie\nATTESTATION DE DROITS\nNuméro de sécurité sociale 1 85 05",
    "avis_imposition": "DIRECTION GÉNÉRALE DES FINANCES PUBLIQUES\nAVIS D'IMPÔT 2026\nRevenu fiscal de référence 0 €",
    "bulletin_salaire": "SAS BATI 93\nBULLETIN DE PAIE\nSalaire de base 1 800,00\nNet à payer avant impôt 1 420,00",
    "rib": "La Banque Postale\nRELEVÉ D'IDENTITÉ BANCAIRE\nIBAN FR76 2004 1000 0112 3456 7890 123\nBIC PSSTFRPPPAR",
    "justificatif_commune": "ATTESTATION D'HÉBERGEMENT\nJe soussigné certifie héberger M. DIALLO à Saint-Denis",
    "certificat_medical": "Dr Karim BENALI\nCERTIFICAT MÉDICAL\nJe soussigné certifie avoir examiné ce jour M. DIALLO",
    "autre": "EDF\nFACTURE\nMontant TTC 45,50 €",
}
EKWATEUR = "ekwateur\nVotre fournisseur d'énergie verte\nTSA 70011\n{n} rue de Paris 75001 PARIS"


@pytest.fixture(scope="module")
def rules() -> Classifier:
    return Classifier(ClassifierSettings())


@pytest.mark.parametrize("label", list(SENDERS))
def test_sender_rules(rules: Classifier, label: str) -> None:
    found = rules.predict(SENDER, SENDERS[label])
    assert (found.label, found.source) == (label, "rules")
    assert found.ask == (label == "autre")  # nobody recognised: the agent is asked


@pytest.mark.parametrize("label", list(KINDS))
def test_kind_rules(rules: Classifier, label: str) -> None:
    assert rules.predict(KIND, KINDS[label]).label == label


@pytest.mark.parametrize("label", list(DOCUMENTS))
def test_document_rules(rules: Classifier, label: str) -> None:
    assert rules.predict(DOCUMENT, DOCUMENTS[label]).label == label


def test_envelope_urgency_and_sender_line(rules: Classifier) -> None:
    court = classify_envelope(rules, SENDERS["tribunal"] + "\nLA POSTE\nECOPLI", [])
    assert (court.sender_org.label, court.kind.label, court.urgent) == ("tribunal", "lettre", True)
    assert court.sender == "TRIBUNAL ADMINISTRATIF"
    registered = classify_envelope(rules, SENDERS["caf"], [KINDS["recommande"]])
    assert (registered.sender_org.label, registered.kind.label, registered.urgent) == ("caf", "recommande", True)
    plain = classify_envelope(rules, SENDERS["energie"] + "\n" + KINDS["lettre"], [])
    assert not plain.urgent and not plain.ask


@pytest.mark.parametrize(
    ("read", "shown"),
    [
        ("O France Travail", "France Travail"),  # a round logo beside the name, read as a mark
        ("6) FRANCE TRAVAIL", "FRANCE TRAVAIL"),
        ("© BNP PARIBAS", "BNP PARIBAS"),
        ("\t6)\tFRANCE TRAVAIL ", "FRANCE TRAVAIL"),  # any whitespace
        ("(a La Banque Postale", "La Banque Postale"),
        ("a Caisse d'Epargne", "Caisse d'Epargne"),
        ("La Banque Postale", "La Banque Postale"),
        ("3F Seine-Saint-Denis", "3F Seine-Saint-Denis"),
        ("M. Traoré Moussa", "M. Traoré Moussa"),
        ("1 esplanade Jean Moulin", "1 esplanade Jean Moulin"),
        ("O ab", "O ab"),  # too little left to be a name
        ("( ) France Travail", "France Travail"),  # two marks
        ("( ) ©) France Travail", "©) France Travail"),  # two at most
        ("O M. Traoré", "M. Traoré"),  # an initial after a mark stays
    ],
)
def test_the_sender_line_leaves_out_a_logo_read_as_a_mark(rules: Classifier, read: str, shown: str) -> None:
    assert classify_envelope(rules, f"{read}\nLA POSTE\nLETTRE VERTE", []).sender == shown


def test_rules_in_the_settings_replace_a_class() -> None:
    settings = ClassifierSettings(sender_rules={"energie": [r"ekwateur", r"\bengie\b"], "tribunal": ["(unclosed"]})
    edited = Classifier(settings)
    assert edited.predict(SENDER, EKWATEUR.format(n=3)).label == "energie"
    assert edited.predict(SENDER, "EDF\nService client").label == "autre"  # the built-in list is replaced
    assert Classifier(ClassifierSettings()).predict(SENDER, EKWATEUR.format(n=3)).label == "autre"


def _model() -> TextModel:
    examples = [Example(SENDER, f"{text}\n{i}", label) for label, text in SENDERS.items() for i in range(3)]
    return TextModel.train(examples, min_examples=5)


def test_model_file_is_refused_when_tampered(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    settings = Settings(var_dir=tmp_path / "var")
    path = model_path(settings)
    model = _model()
    model.save(path, model_keys(settings)[0])
    overridden = Classifier.open(settings.model_copy(update={"classifier": ClassifierSettings(model_threshold=0.0)}))
    assert overridden.model is not None and overridden.predict(SENDER, "ekwateur").source != "rules"
    data = bytearray(path.read_bytes())
    data[-40] ^= 0x01  # one bit of the pickled payload
    path.write_bytes(bytes(data))
    with caplog.at_level(logging.ERROR, logger="classifier.model"):
        refused = Classifier.open(settings.model_copy(update={"classifier": ClassifierSettings(model_threshold=0.0)}))
    assert refused.model is None
    assert any("refused" in r.getMessage() and "rules only" in r.getMessage() for r in caplog.records)
    found = refused.predict(SENDER, SENDERS["caf"])
    assert (found.label, found.source) == ("caf", "rules")
    other_key = Settings(var_dir=tmp_path / "other", classifier=ClassifierSettings(hmac_key="another-secret"))
    path.write_bytes(model.dumps(model_keys(other_key)[0]))  # a valid file, signed with another key
    assert Classifier.open(settings).model is None


@pytest.fixture
def registry(tmp_path: Path) -> tuple[Settings, sessionmaker[Session], int]:
    url = f"sqlite:///{tmp_path / 'coffre.db'}"
    settings = Settings(
        var_dir=tmp_path / "var",
        database_url=url,
        classifier=ClassifierSettings(retrain_every=6, min_examples=5),
    )
    upgrade(url)
    sessions = session_factory(make_engine(url))
    with sessions.begin() as session:
        structure_id = ensure_structure(session, settings.structure).id
    return settings, sessions, structure_id


def _letter(session: Session, structure_id: int, band: str, job_no: int) -> MailItem:
    """A letter as the pipeline leaves it: the mail item and the job state holding the text it was read on."""
    job = IngestJob(
        source_name=f"scan{job_no}.png",
        source_path=f"courrier/scan{job_no}.png",
        folder_kind="courrier",
        sha256=f"{job_no:064d}",
        size=1,
        status="done",
        state={"ocr": {"0": {"marks": {"band": band, "labels": []}}}},
    )
    mail = MailItem(structure_id=structure_id, kind=MailKind.LETTRE, sender_org="autre", status=MailStatus.RECU)
    session.add_all([job, mail])
    session.flush()
    session.add(
        IngestResult(job_id=job.id, item_index=0, first_page=1, page_count=1, kind="enveloppe", status="assigned",
                     mail_item_id=mail.id)
    )  # fmt: skip
    return mail


def test_corrections_retrain_the_model_and_change_a_later_prediction(
    registry: tuple[Settings, sessionmaker[Session], int],
) -> None:
    settings, sessions, structure_id = registry
    classifier = Classifier.open(settings)
    new_supplier = EKWATEUR.format(n=99)
    before = classifier.predict(SENDER, new_supplier)
    assert (before.label, before.source, before.ask) == ("autre", "rules", True)  # the rules do not know it

    letters = [(EKWATEUR.format(n=n), "energie") for n in range(1, 4)]
    letters += [(SENDERS["caf"], "caf"), (SENDERS["autre"], "autre"), (SENDERS["energie"], "energie")]
    with sessions.begin() as session:
        ids = [_letter(session, structure_id, band, n).id for n, (band, _) in enumerate(letters)]
    for item_id, (_, label) in zip(ids[:-1], letters[:-1], strict=True):
        with sessions.begin() as session:
            mail = session.get(MailItem, item_id)
            training.correct_mail(session, mail, sender_org=label, kind="lettre", actor="agent:1",
                                  urgent=classifier.urgent)  # fmt: skip
        with sessions() as session:
            assert training.retrain_if_due(settings, session, classifier) is None  # not enough yet
    with sessions.begin() as session:
        mail = session.get(MailItem, ids[-1])
        training.correct_mail(
            session, mail, sender_org="energie", kind="recommande", actor="agent:1", urgent=classifier.urgent
        )
        assert mail.urgent and mail.kind is MailKind.RECOMMANDE  # urgency follows the corrected kind
    with sessions() as session:
        retrained = training.retrain_if_due(settings, session, classifier)
    assert retrained is not None and retrained.examples == {KIND: 6, SENDER: 6}

    after = classifier.predict(SENDER, new_supplier)
    assert after.label == "energie" and after.source == "model" and not after.ask
    reopened = Classifier.open(settings)  # another process: reads the file, checks its HMAC
    assert reopened.predict(SENDER, new_supplier).label == "energie"
    assert reopened.predict(SENDER, SENDERS["caf"]).label == "caf"  # the rules still stand where they are sure


def test_an_unknown_class_is_refused(registry: tuple[Settings, sessionmaker[Session], int]) -> None:
    settings, sessions, structure_id = registry
    with sessions.begin() as session:
        mail = _letter(session, structure_id, "x", 1)
        with pytest.raises(training.CorrectionError):
            training.correct_mail(session, mail, sender_org="mi6", kind="lettre", actor="a", urgent=lambda s, k: False)
