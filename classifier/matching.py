"""Decide which usager a letter is for: assigned, review (with ranked candidates) or unmatched."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, replace
from enum import StrEnum

from registry.settings import MatchingSettings

from ._index import IndexEntry, UsagerIndex, UsagerRecord
from ._scoring import NameMatch, Person, name_score, readings
from .addressee import ParsedAddress
from .folding import name_tokens
from .history import SenderHistory

log = logging.getLogger(__name__)

__all__ = ["Candidate", "HistoryPolicy", "MatchResult", "MatchStatus", "UsagerIndex", "UsagerRecord", "decide"]

NAME_PART_FLOOR = 0.9  # surname and given names must each read this well to assign without other evidence
EVIDENCE_NAME_FLOOR = 0.86  # a birth date only counts for a name that reads nearly right
DOSSIER_NAME_FLOOR = 0.7  # …or, for the dossier's owner, both surname and given names (or initial) read this well
DOSSIER_BONUS = 0.3
DOSSIER_OTHER_PENALTY = 0.1  # the printed number is someone else's
BIRTH_BONUS = 0.2
BIRTH_PENALTY = 0.2
HISTORY_RANK_BONUS = 0.02  # per past confirmation (up to 3), for ranking only
SENDER_RANK_BONUS = 0.01  # the sender wrote to them before (mail assigned or confirmed), for ranking only
INACTIVE_RANK_PENALTY = 0.05  # radié or refusé: their mail still comes, less of it
# What only says the letter might be a stranger's (a name the register alone does not pin down): agents' confirmations
# for the same sender and name read may settle it (see _history_confirms)
_HISTORY_SETTLES = frozenset({"low_score", "misspelt", "usage_name", "order"})
_CIVILITY_SEXE = {"M": "M", "Mme": "F", "Mlle": "F"}


class MatchStatus(StrEnum):
    ASSIGNED = "assigned"
    REVIEW = "review"
    UNMATCHED = "unmatched"


@dataclass(frozen=True)
class Candidate:
    """A usager the letter may be for, and what tells them apart from the others."""

    usager_id: int
    numero: str
    score: float
    reasons: tuple[str, ...] = ()
    date_naissance: dt.date | None = None
    name_key: str = ""
    homonyms: int = 0  # other usagers with the same name
    history: int = 0  # times agents chose this usager for this sender and name
    recent_senders: tuple[str, ...] = ()  # from agents' past decisions

    def to_json(self) -> dict[str, object]:
        """The form stored in MailItem.candidates."""
        return {
            "numero": self.numero,
            "usager_id": self.usager_id,
            "score": round(self.score, 3),
            "reasons": list(self.reasons),
        }


@dataclass(frozen=True)
class MatchResult:
    status: MatchStatus
    confidence: float  # 0–1: the best candidate's score
    candidates: tuple[Candidate, ...] = ()  # best first, at most settings.max_candidates
    usager_id: int | None = None  # when assigned
    numero: str | None = None
    reasons: tuple[str, ...] = ()  # why this status ('auto', 'homonym', 'margin', 'history'…)
    name_key: str = ""  # the addressee as read (for feedback)
    sender_key: str | None = None

    def candidates_json(self) -> list[dict[str, object]]:
        return [c.to_json() for c in self.candidates]


@dataclass(frozen=True)
class HistoryPolicy:
    """When agents' past choices may assign a letter on their own (see `decide`)."""

    min_confirmations: int = 2
    max_sender_recipients: int = 3


@dataclass(frozen=True)
class _Scored:
    at: int
    entry: IndexEntry
    score: float  # after evidence, 0–1
    fit: float  # could the letter be theirs (missing given names not held against them), after evidence
    name: float  # name alone
    reasons: tuple[str, ...]
    weakest: float = 1.0  # the worse-read of surname and given names
    history: int = 0
    received: bool = False  # the sender wrote to them before
    surname: float = 0.0  # how well the surname reads
    typo: bool = False  # the surname is a sender's slip on the registered one, the given names exact


def _birth_close(printed: dt.date, known: dt.date) -> bool:
    """Day and month swapped, or one digit misread."""
    if (printed.day, printed.month, printed.year) == (known.month, known.day, known.year):
        return True
    a, b = printed.strftime("%d%m%Y"), known.strftime("%d%m%Y")
    return sum(x != y for x, y in zip(a, b, strict=True)) == 1


def _evidence(
    match: NameMatch, entry: IndexEntry, parsed: ParsedAddress, dossier_known: bool
) -> tuple[float, list[str]]:
    """The name score adjusted by a printed dossier number and birth date, and what they said."""
    name = match.score
    score, reasons = name, []
    if parsed.dossier and dossier_known:
        if entry.numero_key != parsed.dossier:
            score -= DOSSIER_OTHER_PENALTY
            reasons.append("dossier_other")
        elif name >= EVIDENCE_NAME_FLOOR or min(name, match.weakest) >= DOSSIER_NAME_FLOOR:
            score += DOSSIER_BONUS
            reasons.append("dossier")
        else:
            reasons.append("dossier_name_mismatch")
    born = entry.record.date_naissance
    if parsed.birth_date and born:
        if parsed.birth_date == born:
            score += BIRTH_BONUS if name >= EVIDENCE_NAME_FLOOR else 0.0
            reasons.append("birth_date")
        elif _birth_close(parsed.birth_date, born):
            reasons.append("birth_date_close")
        else:
            score -= BIRTH_PENALTY
            reasons.append("birth_date_mismatch")
    return min(max(score, 0.0), 1.0), reasons


def _score_all(index: UsagerIndex, parsed: ParsedAddress, settings: MatchingSettings) -> list[_Scored]:
    sim = index.similarity()
    all_readings = readings(parsed)
    alias = "".join(name_tokens(parsed.alias)) if parsed.alias else None
    dossier_known = bool(parsed.dossier and index.by_numero(parsed.dossier))
    sexe = _CIVILITY_SEXE.get(parsed.civility or "")
    by_person: dict[Person, NameMatch] = {}  # usagers with the same names share one Person
    scored = []
    for at in index.candidates(parsed, settings.max_candidates):
        entry = index.entry(at)
        match = by_person.get(entry.person)
        if match is None:
            match = by_person[entry.person] = name_score(entry.person, all_readings, sim, alias, sexe)
        score, evidence = _evidence(match, entry, parsed, dossier_known)
        fit = min(max(match.fit + score - match.score, 0.0), 1.0)
        reasons = (*match.reasons, *evidence)
        scored.append(
            _Scored(at, entry, score, fit, match.score, reasons, match.weakest, surname=match.surname, typo=match.typo)
        )
    return scored


def _readable(
    index: UsagerIndex, parsed: ParsedAddress, settings: MatchingSettings
) -> tuple[ParsedAddress, list[_Scored]]:
    """The block's name line, or another of its lines when that one names nobody (a smudge read above the name)."""
    scored = _score_all(index, parsed, settings)
    for other in parsed.others:
        best = max((s.score for s in scored), default=0.0)
        if best >= settings.review_floor:
            break
        again = _score_all(index, other, settings)
        if max((s.score for s in again), default=0.0) > best:
            parsed, scored = other, again
    return parsed, scored


def _blockers(best: _Scored, parsed: ParsedAddress, index: UsagerIndex, settings: MatchingSettings) -> list[str]:
    """What forbids assigning `best` even with a high score and margin."""
    blockers = []
    if "dossier_other" in best.reasons or "dossier_name_mismatch" in best.reasons:
        blockers.append("dossier_mismatch")
    if "birth_date_mismatch" in best.reasons:
        blockers.append("birth_date_mismatch")
    confirmed = "dossier" in best.reasons or "birth_date" in best.reasons
    typo = best.typo and settings.typo_auto and best.name >= settings.typo_threshold
    if best.weakest < NAME_PART_FLOOR and not confirmed and best.score >= settings.auto_threshold and not typo:
        blockers.append("misspelt")  # one edit from a name the register does not know may be another name
    homonyms = index.homonyms(best.at)
    if homonyms and not _singled_out(best, homonyms, parsed, index):
        blockers.append("homonym")
    if _order_ambiguous(parsed, index) and not confirmed:
        blockers.append("order")
    if "nom_usage" in best.reasons and not parsed.birth_name and not confirmed and not settings.usage_name_alone:
        blockers.append("usage_name")
    return blockers


def _initial_sure(best: _Scored, scored: list[_Scored], parsed: ParsedAddress, settings: MatchingSettings) -> bool:
    """'M. KOUYATÉ S.': the surname read exactly, the initial agrees, and the register knows few of that name.

    Only an initial, no given name: enough when the surname is borne by at most `initial_max_namesakes` other
    usagers (a rare surname in the register is rare among strangers too) and none of them has that initial
    (the margin checks it), with nothing that reads against the layout or the civility.
    """
    if settings.initial_max_namesakes < 0 or not parsed.initials or parsed.given_names:
        return False
    if "initial" not in best.reasons or {"order", "civility", "alias"} & set(best.reasons):
        return False
    if best.surname < 1.0 or best.score < settings.initial_threshold:
        return False
    namesakes = sum(1 for s in scored if s is not best and s.surname >= NAME_PART_FLOOR)
    return namesakes <= settings.initial_max_namesakes


def _typo_sure(best: _Scored, settings: MatchingSettings) -> bool:
    """A sender's slip in a long surname ('CAMRA Souleymane'), every given name exact, nothing else against it."""
    if not (best.typo and settings.typo_auto) or best.name < settings.typo_threshold:
        return False
    return not {"order", "civility", "initial", "alias"} & set(best.reasons)


def _order_ambiguous(parsed: ParsedAddress, index: UsagerIndex) -> bool:
    """Nothing tells the surname (all in capitals, or none) and both orders are real names ('JEAN PIERRE').

    The letter may then be for someone not registered whose surname is our usager's given name.
    """
    if parsed.surname or parsed.birth_name or len(parsed.tokens) != 2:
        return False
    first, second = ("".join(name_tokens(word)) for word in parsed.tokens)
    surnames, given = index.surnames, index.given_names
    return first != second and first in surnames and first in given and second in surnames and second in given


def _singled_out(best: _Scored, homonyms: list[int], parsed: ParsedAddress, index: UsagerIndex) -> bool:
    """A printed dossier number or birth date that is best's and none of its homonyms'."""
    if "dossier" in best.reasons:
        return True
    if "birth_date" not in best.reasons or best.name < EVIDENCE_NAME_FLOOR:
        return False
    others = [index.record(i).date_naissance for i in homonyms]
    return all(d is not None and d != parsed.birth_date for d in others)


def _history_pick(
    ranked: list[_Scored],
    votes: dict[int | None, int],
    sender: str | None,
    history: SenderHistory | None,
    settings: MatchingSettings,
    policy: HistoryPolicy,
) -> _Scored | None:
    """The usager agents always chose for this sender and name, when that may assign the letter alone.

    Agents checked that exact (sender, name) pair at least `min_confirmations` times and never chose
    anyone else nor 'inconnu', so the ambiguity the history resolves is the one they resolved. Two guards
    keep it from leaking mail between homonyms: the sender must be specific (it has written to at most
    `max_sender_recipients` usagers — a CAF or a préfecture writes to everyone, so its letters to a
    common name stay in review), and it must never have written to another candidate as close as the
    chosen one. A printed dossier number or birth date that points elsewhere still blocks.
    """
    if history is None or sender is None or len(votes) != 1:
        return None
    ((chosen_id, count),) = votes.items()
    if chosen_id is None or count < policy.min_confirmations:
        return None
    target = next((s for s in ranked if s.entry.record.usager_id == chosen_id), None)
    if target is None or not target.entry.record.active:
        return None
    if target.score < settings.auto_threshold - settings.auto_margin:
        return None
    if target.score < max(s.score for s in ranked) - settings.auto_margin:
        return None
    if any(r in target.reasons for r in ("dossier_other", "dossier_name_mismatch", "birth_date_mismatch")):
        return None
    recipients = history.recipients.get(sender, frozenset())
    if len(recipients) > policy.max_sender_recipients:
        return None
    close = [s for s in ranked if s is not target and s.score >= target.score - settings.auto_margin]
    if any(s.entry.record.usager_id in recipients for s in close):
        return None
    return target


def _history_conflict(best: _Scored, votes: dict[int | None, int], broad: bool) -> bool:
    """Agents chose someone else (or 'inconnu') for this sender and name. A printed dossier number or birth date
    that singles `best` out conflicts only with the history of a specific sender that never chose `best`: a CAF
    (`broad`: it writes to many usagers) writes to all three homonyms of a name, a lawyer to one."""
    uid = best.entry.record.usager_id
    if not votes or set(votes) == {uid}:
        return False
    confirmed = "dossier" in best.reasons or "birth_date" in best.reasons
    return not confirmed or (not broad and uid not in votes)


def _history_confirms(
    best: _Scored,
    blockers: list[str],
    lead: float,
    parsed: ParsedAddress,
    sender: str | None,
    history: SenderHistory | None,
    settings: MatchingSettings,
) -> bool:
    """Agents gave this sender's letters with this very name read to `best`, always, and nothing else holds it back.

    The register names `best` alone (no homonym, no one close: those block), but the name as printed — an initial,
    the nom d'usage alone, a typo, an order both ways — might also be a stranger's. A sender prints a name the same
    way on every letter, so agents' unanimous choice for that (sender, name read) says whose it is; an 'inconnu'
    among their choices says a stranger gets such letters too. `lead`: how far ahead of the next different person
    `best` could be the addressee (fit to fit: 'Mme RICHARD A.' reads short of Anne only as it reads short of Alain).
    """
    if settings.history_confirmations <= 0 or history is None or sender is None:
        return False
    if "margin" in blockers and lead >= settings.auto_margin:
        blockers = [b for b in blockers if b != "margin"]  # close on the score only through what printed it short
    if not blockers or not set(blockers) <= _HISTORY_SETTLES or not best.entry.record.active:
        return False
    if best.score < settings.history_threshold:
        return False
    votes = history.votes.get((sender, parsed.name_key), {})
    uid = best.entry.record.usager_id
    return set(votes) == {uid} and votes[uid] >= settings.history_confirmations


def _rank(scored: _Scored) -> tuple[float, int, int]:
    """Review order: how well the letter reads as theirs (score) and could be theirs (fit), then past choices.

    The fit counts because a sender dropping a second given name says nothing against a usager, while the
    nom d'usage printed and registered ('DIALLO épouse TOURÉ') says something for them. Among equals, agents' past
    choices for this sender and name come first, then those the sender wrote to, and radiated usagers last.
    """
    bonus = HISTORY_RANK_BONUS * min(scored.history, 3) + SENDER_RANK_BONUS * scored.received
    penalty = 0.0 if scored.entry.record.active else INACTIVE_RANK_PENALTY
    return (-(scored.score + scored.fit) / 2 - bonus + penalty, -scored.history, scored.at)


def _candidate(scored: _Scored, index: UsagerIndex, history: SenderHistory | None) -> Candidate:
    record = scored.entry.record
    reasons = (*scored.reasons, "history") if scored.history else scored.reasons
    reasons = reasons if record.active else (*reasons, "radie")
    return Candidate(
        usager_id=record.usager_id,
        numero=record.numero,
        score=round(scored.score, 4),
        reasons=reasons,
        date_naissance=record.date_naissance,
        name_key=scored.entry.name_key,
        homonyms=len(index.homonyms(scored.at)),
        history=scored.history,
        recent_senders=history.recent.get(record.usager_id, ()) if history else (),
    )


def decide(
    index: UsagerIndex,
    parsed: ParsedAddress,
    settings: MatchingSettings | None = None,
    *,
    sender_key: str | None = None,
    history: SenderHistory | None = None,
    policy: HistoryPolicy | None = None,
) -> MatchResult:
    """Assign the letter when the best usager is certain, else send it to review, or 'unmatched' (not ours).

    Assigned only when the best score ≥ auto_threshold, it leads the next different person by ≥ auto_margin,
    no printed dossier number or birth date contradicts it, and it has no true homonym unless a printed
    disambiguator singles it out — or when the sender history is conclusive (see `_history_pick` and
    `_history_confirms`; never for a true homonym, whom history only ranks). Never to a radiated or refused
    usager: a letter surely theirs is 'unmatched' ('radie').
    """
    settings = settings or MatchingSettings()
    policy = policy or HistoryPolicy()
    parsed, scored = _readable(index, parsed, settings)
    base = {"name_key": parsed.name_key, "sender_key": sender_key}
    # No name read at all is not 'not domiciled here': an agent looks at the envelope.
    unreadable = not parsed.tokens and not parsed.initials and (parsed.anchor_seen or bool(parsed.dossier))
    if not scored:
        status = MatchStatus.REVIEW if unreadable else MatchStatus.UNMATCHED
        return MatchResult(status, 0.0, reasons=("no_name" if unreadable else "not_found",), **base)
    scored.sort(key=lambda s: (-s.score, s.at))
    best = scored[0]
    votes: dict[int | None, int] = {}
    if history is not None and sender_key is not None:
        votes = history.votes_for(sender_key, (parsed.name_key, best.entry.name_key))
        wrote = history.recipients.get(sender_key, frozenset())
        scored = [
            replace(s, history=votes.get(s.entry.record.usager_id, 0), received=s.entry.record.usager_id in wrote)
            for s in scored
        ]
        best = scored[0]
    ranked = sorted(scored, key=_rank)
    shown = ranked[: settings.max_candidates]
    owner = next((s for s in ranked if "dossier" in s.reasons or "dossier_name_mismatch" in s.reasons), None)
    if owner is not None and owner not in shown and shown:
        shown[-1] = owner  # the agent must see whose number was printed
    candidates = tuple(_candidate(s, index, history) for s in shown)
    confidence = round(best.score, 4)
    if best.score < settings.review_floor:
        status, why = (MatchStatus.REVIEW, "no_name") if unreadable else (MatchStatus.UNMATCHED, "not_found")
        return MatchResult(status, confidence, candidates, reasons=(why,), **base)
    second = max((max(s.score, s.fit) for s in scored[1:]), default=0.0)
    blockers = _blockers(best, parsed, index, settings)
    sure = _initial_sure(best, scored, parsed, settings) or _typo_sure(best, settings)
    if best.score < settings.auto_threshold and not sure:
        blockers.append("low_score")
    if best.score - second < settings.auto_margin:
        blockers.append("margin")
    broad = history is not None and len(history.recipients.get(sender_key or "", ())) > policy.max_sender_recipients
    if not blockers and _history_conflict(best, votes, broad):
        blockers.append("history_conflict")
    if not blockers and not best.entry.record.active:  # surely them, and they are no longer domiciled here
        return MatchResult(MatchStatus.UNMATCHED, confidence, candidates, reasons=("radie",), **base)
    if not blockers:
        record = best.entry.record
        return MatchResult(
            MatchStatus.ASSIGNED, confidence, candidates, record.usager_id, record.numero, ("auto",), **base
        )
    # a true homonym is never assigned without a printed disambiguator: history only ranks them
    picked = None if "homonym" in blockers else _history_pick(ranked, votes, sender_key, history, settings, policy)
    lead = best.fit - second
    if picked is None and _history_confirms(best, blockers, lead, parsed, sender_key, history, settings):
        picked = best
    if picked is not None:
        record = picked.entry.record
        return MatchResult(
            MatchStatus.ASSIGNED, round(picked.score, 4), candidates, record.usager_id, record.numero,
            ("history", *blockers), **base,
        )  # fmt: skip
    if not best.entry.record.active:
        blockers.append("radie")
    return MatchResult(MatchStatus.REVIEW, confidence, candidates, reasons=tuple(blockers), **base)
