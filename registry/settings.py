"""Typed settings for every Coffre component, read from COFFRE_* variables and an optional .env."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class StorageBackend(StrEnum):
    LOCAL = "local"
    S3 = "s3"


class QueueMode(StrEnum):
    INPROCESS = "inprocess"
    CELERY = "celery"


def _default_opening_hours() -> dict[str, list[str]]:
    weekday = ["09:00-12:00", "13:30-17:00"]
    return {"mon": weekday, "tue": weekday, "wed": ["09:00-12:00"], "thu": weekday, "fri": weekday}


class StructureSettings(BaseModel):
    """Identity of the organisme domiciliataire, printed on attestations and matched on envelopes."""

    name: str = "CCAS de Saint-Denis"
    service: str = "Service domiciliation"
    address_lines: list[str] = Field(default_factory=lambda: ["2 place Victor Hugo"])
    postcode: str = "93200"
    town: str = "SAINT-DENIS"
    agrement_number: str = ""
    prefecture: str = "Seine-Saint-Denis"
    phone: str = ""
    email: str = ""
    responsable: str = ""
    # Counter opening hours by weekday (mon … sun), shown on the kiosk and the portal; "HH:MM-HH:MM" ranges.
    opening_hours: dict[str, list[str]] = Field(default_factory=_default_opening_hours)


class StorageSettings(BaseModel):
    backend: StorageBackend = StorageBackend.LOCAL
    local_dir: Path | None = None  # default: <var_dir>/vault
    s3_endpoint: str = ""  # host:port
    s3_access_key: str = ""
    s3_secret_key: SecretStr = SecretStr("")
    s3_bucket: str = "coffre"
    s3_secure: bool = True
    s3_region: str = ""


class QueueSettings(BaseModel):
    mode: QueueMode = QueueMode.INPROCESS
    broker_url: str = ""  # e.g. redis://localhost:6379/0
    workers: int = 0  # in-process pool size; 0 = number of cores
    # Celery: a job 'running' with no stage recorded for this long is taken as lost with its worker and taken over
    # (longer than the slowest stage: the OCR of a document of ingest.max_pages pages)
    lease_seconds: int = 1800


def _default_retention() -> dict[str, int]:
    # Years from deposit; justified in the README ("Retention").
    return {
        "enveloppe": 2,
        "scan_brut": 2,
        "courrier": 2,
        "justificatif": 5,
        "attestation": 5,
        "decision": 5,
        "journal_seal": 10,
        "export": 1,
    }


class ArchiveSettings(BaseModel):
    """The coffre-fort: master keys, retention per document kind, chunking."""

    # Master keys by id (base64 of 32 bytes). Empty: a key file under var/keys/ is created (embedded default).
    master_keys: dict[str, SecretStr] = Field(default_factory=dict)
    current_master_key: str = ""
    master_key_file: Path | None = None  # default: <var_dir>/keys/master-keys.json
    retention_years: dict[str, int] = Field(default_factory=_default_retention)
    default_retention_years: int = 5
    chunk_size: int = 1 << 20  # encryption chunk (bounded memory)
    s3_part_size: int = 16 << 20  # multipart part size


class IngestSettings(BaseModel):
    """Limits and timings of the scanner → coffre-fort pipeline."""

    max_bytes: int = 200 * 1024 * 1024  # larger files are quarantined without being read
    max_pages: int = 300
    max_megapixels: float = 90.0  # per page (decompression bombs)
    min_side_px: int = 300  # smaller images cannot be read
    raster_dpi: int = 200
    blank_ink_ratio: float = 0.002  # share of dark pixels under which a page is blank
    ocr_timeout_seconds: float = 60.0  # per page, full-text OCR
    settle_seconds: float = 5.0  # a hot-folder file is taken after this long without change
    rescan_seconds: float = 60.0
    polling: bool = False  # network shares: poll instead of inotify
    quarantine_dir: Path | None = None  # default: <var_dir>/quarantine


class MatchingSettings(BaseModel):
    """Thresholds of the addressee → usager decision (calibrated on the project's corpus, see bench/matching)."""

    auto_threshold: float = 0.90  # best score needed to assign without an agent
    auto_margin: float = 0.08  # …and how far ahead of the next *different person* it must be
    review_floor: float = 0.55  # below this nobody is a plausible candidate: unmatched (return to sender)
    # 'M. KOUYATÉ S.' (an initial, no given name) is assigned at initial_threshold when at most this many other
    # usagers bear the surname (-1: never)
    initial_threshold: float = 0.87
    initial_max_namesakes: int = 0
    # a surname printed alone that is the usager's nom d'usage (no birth name, no disambiguator) is shared by women
    # born with that name: review
    usage_name_alone: bool = False
    # one keystroke off in a long surname, every given name exact: assigned at typo_threshold (see _scoring.sender_typo)
    typo_auto: bool = True
    typo_threshold: float = 0.88
    # a name the register alone does not pin down (initial, nom d'usage alone, typo, order) is assigned when agents
    # gave this sender's letters with the same name read to that usager at least this many times, always (0: never),
    # and it reads at least history_threshold alike
    history_confirmations: int = 1
    history_threshold: float = 0.8
    max_candidates: int = 5


class ClassifierSettings(BaseModel):
    """Sender, kind and urgency of mail and type of justificatifs: rules per class, then a model learnt from agents.

    Rules are regular expressions over text folded to lower-case ASCII (classifier/labels.py holds the built-in
    ones); a class given here replaces its built-in list, e.g. {"energie": ["\\bedf\\b", "ekwateur"]}.
    """

    sender_rules: dict[str, list[str]] = Field(default_factory=dict)
    kind_rules: dict[str, list[str]] = Field(default_factory=dict)
    document_rules: dict[str, list[str]] = Field(default_factory=dict)
    urgent_kinds: list[str] = Field(default_factory=lambda: ["recommande", "avis_de_passage"])
    urgent_senders: list[str] = Field(default_factory=lambda: ["tribunal", "prefecture"])
    ask_threshold: float = 0.6  # below, the console asks the agent to check the class
    model_threshold: float = 0.5  # the model overrides the rules from this probability on, when surer than they are
    retrain_every: int = 20  # items classified by agents since the last training that trigger a retraining
    min_examples: int = 5  # per task, before a model is trained for it
    model_path: Path | None = None  # default: <var_dir>/classifier/model.bin
    hmac_key: SecretStr = SecretStr("")  # empty: derived from the archive master keys
    read_marks: bool = True  # OCR the envelope's top band and its labels (sender, recommandé…)


class SignatureLevel(StrEnum):
    """PAdES baseline levels (ETSI EN 319 142-1)."""

    B_B = "B-B"
    B_T = "B-T"
    B_LT = "B-LT"
    B_LTA = "B-LTA"


class KeySource(StrEnum):
    PKCS12 = "pkcs12"
    PKCS11 = "pkcs11"


class KeySettings(BaseModel):
    """Where a signing key lives: a PKCS#12 file (default) or a PKCS#11 token (HSM, SoftHSM2)."""

    source: KeySource = KeySource.PKCS12
    pkcs12_path: Path | None = None  # default for the seal: <var_dir>/keys/seal.p12
    passphrase: SecretStr = SecretStr("")
    pkcs11_module: str = "/usr/lib/softhsm/libsofthsm2.so"
    pkcs11_token: str = ""  # token label
    pkcs11_pin: SecretStr = SecretStr("")
    pkcs11_key_label: str = ""
    pkcs11_cert_label: str = ""  # default: the key label
    chain_file: Path | None = None  # PEM intermediates missing from the container or the token


def _default_levels() -> dict[str, SignatureLevel]:
    # Attestations and commission decisions must stay verifiable for years: archival timestamps.
    return {
        "attestation": SignatureLevel.B_LTA,
        "decision": SignatureLevel.B_LTA,
        "refus": SignatureLevel.B_LTA,
        "ajournement": SignatureLevel.B_LT,
        "radiation": SignatureLevel.B_LT,
    }


class SigningSettings(BaseModel):
    """PAdES signing: the organisme's seal, commission members' keys, TSA, level per document kind."""

    seal: KeySettings = Field(default_factory=KeySettings)
    member_keys: dict[str, KeySettings] = Field(default_factory=dict)  # by username; others sign with the seal
    tsa_url: str = ""  # RFC 3161 time-stamp authority, needed from B-T up
    tsa_timeout_seconds: float = 10.0
    levels: dict[str, SignatureLevel] = Field(default_factory=_default_levels)
    default_level: SignatureLevel = SignatureLevel.B_T
    trust_roots: list[Path] = Field(default_factory=list)  # PEM; empty: the self-signed certs of the seal's chain
    public_base_url: str = "http://127.0.0.1:8000"  # printed in the QR code: <base>/verify/<id>
    bytes_reserved: int = 16384  # CMS container size, fixed (no dry-run estimate)
    revinfo_cache_seconds: int = 300  # OCSP/CRL fetched for B-LT are reused this long
    extend_before_days: int = 180  # `coffre signing extend`: re-timestamp when the last TSA cert ends sooner
    tribunal: str = "tribunal administratif de Montreuil"  # appeal route printed on refusals and radiations

    def level_for(self, kind: str) -> SignatureLevel:
        return self.levels.get(kind, self.default_level)


class ApiSettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = 8000
    session_idle_minutes: int = 120  # an agent's session ends after this long without a request…
    session_max_hours: int = 12  # …and in any case after a working day
    max_failed_logins: int = 5  # wrong passwords in a row before the account is locked…
    lockout_minutes: int = 15  # …for this long
    secure_cookies: bool = False  # set True behind TLS (cookies are Secure anyway when the request is https)
    verify_max_bytes: int = 10 * 1024 * 1024  # public PDF upload (/verify): larger files are refused with a 400
    verify_concurrency: int = 2  # public validations at once; more get a 429 (validation is CPU- and network-bound)


class KioskSettings(BaseModel):
    """The kiosk (borne) lookup API: limits per kiosk and per card, statistics, what the screen may show."""

    device_per_minute: int = 30  # lookups a kiosk may make per minute (a swipe takes seconds)
    unknown_per_hour: int = 20  # unknown cards a kiosk may present per hour before it must wait (brute force)
    card_per_minute: int = 6  # lookups of one card per minute, whatever the kiosk
    workers: int = 1  # server processes; each enforces limit / workers so the total never exceeds the limit
    counts_flush_seconds: float = 1.0  # lookups are counted in memory and added to the statistics this often
    key_cache_seconds: float = 5.0  # a revoked kiosk key stops working within this delay
    show_first_name: bool = False  # "at most the first name": off by default (the screen is in a waiting room)
    clear_seconds: int = 10  # the kiosk screen clears after this long


class PortalSettings(BaseModel):
    """The usagers' portal: one-time codes, passwords, sessions."""

    otp_minutes: int = 15  # a one-time code is valid this long
    otp_length: int = 6
    otp_per_hour: int = 3  # codes sent to one usager per hour at most (each costs an SMS; no flooding a phone)
    max_failed_logins: int = 5  # wrong passwords or codes in a row before the account is locked…
    lockout_minutes: int = 60  # …for this long
    session_idle_minutes: int = 30
    session_max_hours: int = 8


class NotifySettings(BaseModel):
    """Outgoing messages to usagers: e-mail through SMTP, SMS through an HTTP gateway."""

    smtp_host: str = ""  # empty: e-mail cannot be sent
    smtp_port: int = 25
    smtp_starttls: bool = False
    smtp_user: str = ""
    smtp_password: SecretStr = SecretStr("")
    mail_from: str = "domiciliation@localhost"
    sms_url: str = ""  # empty: SMS cannot be sent; else POST {"to", "text", "sender"} as JSON
    sms_token: SecretStr = SecretStr("")  # sent as "Authorization: Bearer …"
    sms_sender: str = "COFFRE"
    timeout_seconds: float = 10.0


class Offset(BaseModel):
    """A span of time before a date, in calendar months, weeks and days."""

    months: int = 0
    weeks: int = 0
    days: int = 0


def _default_end_reminders() -> list[Offset]:
    return [Offset(months=2), Offset(weeks=2)]  # Saint-Denis: two reminders before the end


class LifecycleSettings(BaseModel):
    """The daily and monthly rules of the service: batched notices, reminders, returns, radiation, RGPD purge."""

    timezone: str = "Europe/Paris"
    notice_place: str = ""  # how messages name the structure ("au CCAS de …"); empty: "au " + the structure's name
    notify_at: dt.time = dt.time(19, 0)  # batched notices leave at this local hour on open days (DomiFa: 19:00)
    open_weekdays: list[int] = Field(default_factory=lambda: [0, 1, 2, 3, 4])  # Monday = 0
    holidays_country: str = "FR"  # public holidays of the `holidays` library; empty: none
    holidays_subdiv: str = ""  # e.g. "57" (Moselle: Good Friday, 26 December)
    closed_days: list[dt.date] = Field(default_factory=list)  # the structure's own closures (pont, inventory)
    reminder_every_months: int = 1  # uncollected mail: a reminder every month…
    reminders_before_return: int = 3  # …and after this many, the letter is marked for return to its sender
    end_reminders: list[Offset] = Field(default_factory=_default_end_reminders)  # before a domiciliation's end
    radiation_grace_days: int = 15  # after the end date without renewal, radiation (status radie) after this
    purge_after_years: int = 2  # a radiated usager's data is erased this long after the radiation (DomiFa: 2)
    retry_attempts: int = 6  # provider failures: tries before a notice is shown as failed…
    retry_base_minutes: int = 5  # …5, 10, 20, 40, 80 minutes apart (exponential backoff)
    sending_stale_minutes: int = 10  # a notice claimed by a process that died is taken over after this
    tick_seconds: int = 300  # how often the in-process scheduler runs the notices job
    export_code_minutes: int = 10  # the one-time code for a statistics export is valid this long…
    export_code_attempts: int = 5  # …and spent after this many wrong tries


class Settings(BaseSettings):
    """All settings; the defaults are the embedded mode: everything under ./var/, no server."""

    model_config = SettingsConfigDict(
        env_prefix="COFFRE_",
        env_nested_delimiter="__",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    var_dir: Path = Path("var")
    database_url: str = ""  # default: sqlite:///<var_dir>/coffre.db
    storage: StorageSettings = Field(default_factory=StorageSettings)
    scanner_folders: list[Path] = Field(default_factory=list)  # default: [<var_dir>/scanner]
    queue: QueueSettings = Field(default_factory=QueueSettings)
    structure: StructureSettings = Field(default_factory=StructureSettings)
    archive: ArchiveSettings = Field(default_factory=ArchiveSettings)
    ingest: IngestSettings = Field(default_factory=IngestSettings)
    matching: MatchingSettings = Field(default_factory=MatchingSettings)
    classifier: ClassifierSettings = Field(default_factory=ClassifierSettings)
    api: ApiSettings = Field(default_factory=ApiSettings)
    signing: SigningSettings = Field(default_factory=SigningSettings)
    kiosk: KioskSettings = Field(default_factory=KioskSettings)
    portal: PortalSettings = Field(default_factory=PortalSettings)
    notify: NotifySettings = Field(default_factory=NotifySettings)
    lifecycle: LifecycleSettings = Field(default_factory=LifecycleSettings)
    log_level: str = "INFO"

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.var_dir / 'coffre.db').resolve()}"

    @property
    def vault_dir(self) -> Path:
        return (self.storage.local_dir or self.var_dir / "vault").resolve()

    @property
    def master_key_file(self) -> Path:
        return (self.archive.master_key_file or self.var_dir / "keys" / "master-keys.json").resolve()

    @property
    def seal_pkcs12_path(self) -> Path:
        return (self.signing.seal.pkcs12_path or self.var_dir / "keys" / "seal.p12").resolve()

    @property
    def quarantine_dir(self) -> Path:
        return (self.ingest.quarantine_dir or self.var_dir / "quarantine").resolve()

    @property
    def effective_scanner_folders(self) -> list[Path]:
        return [p.resolve() for p in (self.scanner_folders or [self.var_dir / "scanner"])]

    def ensure_dirs(self) -> None:
        """Create the embedded-mode folders (var dir, vault, scanner folders) if missing."""
        self.var_dir.mkdir(parents=True, exist_ok=True)
        if self.storage.backend is StorageBackend.LOCAL:
            self.vault_dir.mkdir(parents=True, exist_ok=True)
        for folder in self.effective_scanner_folders:
            folder.mkdir(parents=True, exist_ok=True)
