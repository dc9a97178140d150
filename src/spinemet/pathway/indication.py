"""Indication for palliative spinal surgery (Uei 2018, Methods "Surgical indication").

Indications (any one): (1) intractable pain due to instability or threatened instability by SINS
(Fisher 2010: SINS >= 7, i.e. potentially unstable or unstable); (2) spinal paralysis, any motor deficit
(modified Frankel below E); (3) radiation-resistant cancer (kidney, thyroid in the paper; the AO class
``resistant`` here, which adds colon and rectum).
Exclusions (any one): (1) candidate for total en bloc spondylectomy; (2) life expectancy < 6 months
(Tokuhashi 0-8) and pain responsive to narcotic analgesics or markedly to radiotherapy; (3) poor general
condition and reduced will to live. The paper writes "Karnofsky performance status >= 3", which only makes
sense as ECOG PS >= 3 (scores.md §13.2); KPS is accepted through the usual crosswalk (KPS <= 40 = ECOG >= 3).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from spinemet.pathway.evidence import frankel_finding, performance_finding, sins_finding, tokuhashi_finding
from spinemet.pathway.inputs import get_yes_no
from spinemet.pathway.radiosensitivity import radiosensitivity
from spinemet.pathway.sources import UEI_2018_INDICATION
from spinemet.pathway.verdict import RULES_VERSION, UNDETERMINED, Verdict

__all__ = ["SINS_THREATENED", "TOKUHASHI_SHORT_SURVIVAL_MAX", "surgical_indication"]

#: SINS total from which instability is at least threatened (Fisher 2010, 7-12 potentially unstable).
SINS_THREATENED = 7
#: Highest Tokuhashi total of the "< 6 months" band (Tokuhashi 2005).
TOKUHASHI_SHORT_SURVIVAL_MAX = 8
#: ECOG PS from which general condition is poor (Uei 2018, read as ECOG; see module docstring).
POOR_ECOG = 3


@dataclass(frozen=True)
class _Criterion:
    met: bool | None  # None = not assessable
    reason: str
    missing: tuple[str, ...] = ()


def _and(a: bool | None, b: bool | None) -> bool | None:
    """Three-valued AND: false wins over unknown."""
    if a is False or b is False:
        return False
    if a is None or b is None:
        return None
    return True


def _three_way(
    met: bool | None, if_met: str, if_not: str, if_unknown: str, missing: tuple[str, ...]
) -> _Criterion:
    """The criterion of a three-valued finding, with the reason to give in each case."""
    if met is True:
        return _Criterion(True, if_met)
    if met is False:
        return _Criterion(False, if_not)
    return _Criterion(None, if_unknown, missing)


def _pain_from_instability(patient: Mapping[str, Any]) -> _Criterion:
    pain = get_yes_no(patient, "intractable_pain")
    sins = sins_finding(patient)
    unstable = None if sins.value is None else sins.value >= SINS_THREATENED
    met = _and(pain, unstable)
    pain_words = {
        True: "intractable pain",
        False: "no intractable pain",
        None: "intractable pain not recorded",
    }
    text = f"{pain_words[pain]}; {sins.text}"
    missing = (() if pain is not None else ("intractable_pain",)) + (sins.missing if unstable is None else ())
    return _three_way(
        met,
        f"indication (1) met, intractable pain due to instability: {text}",
        f"indication (1) not met: {text}",
        f"indication (1) not assessable: {text}",
        missing,
    )


def _paralysis(patient: Mapping[str, Any]) -> _Criterion:
    frankel = frankel_finding(patient)
    if frankel.value is None:
        return _Criterion(None, f"indication (2) not assessable: {frankel.text}", frankel.missing)
    if frankel.value != "E":
        return _Criterion(True, f"indication (2) met, spinal paralysis: {frankel.text}")
    return _Criterion(False, f"indication (2) not met: {frankel.text}")


def _radioresistant(patient: Mapping[str, Any]) -> _Criterion:
    primary = patient.get("primary_tumor")
    cls = radiosensitivity(primary)
    if cls is None:
        return _Criterion(None, "indication (3) not assessable: missing primary_tumor", ("primary_tumor",))
    if cls == "resistant":
        return _Criterion(
            True, f"indication (3) met, radiation-resistant cancer: {primary} (AO classification)"
        )
    return _Criterion(False, f"indication (3) not met: {primary} is not classed radiation-resistant")


def _en_bloc(patient: Mapping[str, Any]) -> _Criterion:
    en_bloc = get_yes_no(patient, "en_bloc_candidate")
    if en_bloc is None:
        return _Criterion(
            None, "exclusion (1) not assessable: missing en_bloc_candidate", ("en_bloc_candidate",)
        )
    if en_bloc:
        return _Criterion(True, "exclusion (1) applies: candidate for total en bloc spondylectomy")
    return _Criterion(False, "exclusion (1) does not apply: not a candidate for total en bloc spondylectomy")


def _short_survival_responsive(patient: Mapping[str, Any]) -> _Criterion:
    tok = tokuhashi_finding(patient)
    short = None if tok.value is None else tok.value <= TOKUHASHI_SHORT_SURVIVAL_MAX
    responsive = get_yes_no(patient, "analgesic_or_rt_responsive")
    resp_words = {
        True: "pain responsive to narcotic analgesics or markedly to radiotherapy",
        False: "pain not responsive to analgesics or radiotherapy",
        None: "responsiveness to analgesics/radiotherapy not recorded",
    }
    text = f"{tok.text}; {resp_words[responsive]}"
    met = _and(short, responsive)
    missing = (tok.missing if short is None else ()) + (
        ("analgesic_or_rt_responsive",) if responsive is None else ()
    )
    return _three_way(
        met,
        f"exclusion (2) applies, life expectancy < 6 months and responsive: {text}",
        f"exclusion (2) does not apply: {text}",
        f"exclusion (2) not assessable: {text}",
        missing,
    )


def _poor_condition_low_will(patient: Mapping[str, Any]) -> _Criterion:
    perf = performance_finding(patient)
    poor = None if perf.value is None else perf.value >= POOR_ECOG
    will = get_yes_no(patient, "reduced_will_to_live")
    will_words = {
        True: "reduced will to live",
        False: "will to live not reduced",
        None: "will to live not recorded",
    }
    cond = {
        True: "poor general condition (ECOG PS >= 3; the paper's 'Karnofsky >= 3' read as ECOG)",
        False: "general condition not poor (ECOG PS < 3; the paper's 'Karnofsky >= 3' read as ECOG)",
        None: "general condition not assessable",
    }[poor]
    text = f"{perf.text}, {cond}; {will_words[will]}"
    met = _and(poor, will)
    missing = (perf.missing if poor is None else ()) + (("reduced_will_to_live",) if will is None else ())
    return _three_way(
        met,
        f"exclusion (3) applies: {text}",
        f"exclusion (3) does not apply: {text}",
        f"exclusion (3) not assessable: {text}",
        missing,
    )


def surgical_indication(patient: Mapping[str, Any]) -> Verdict:
    """Palliative surgery: ``indicated``, ``not_indicated``, ``excluded`` or ``undetermined``.

    ``excluded`` when any exclusion applies; ``indicated`` when an indication is met and every exclusion is
    assessed and does not apply; ``not_indicated`` when every indication and every exclusion is assessed,
    no indication is met and no exclusion applies; otherwise ``undetermined`` with the missing columns.
    Every criterion's reason is listed.
    """
    indications = (_pain_from_instability(patient), _paralysis(patient), _radioresistant(patient))
    exclusions = (_en_bloc(patient), _short_survival_responsive(patient), _poor_condition_low_will(patient))
    reasons = tuple(c.reason for c in (*indications, *exclusions))
    missing: list[str] = []

    def note(criteria: tuple[_Criterion, ...]) -> None:
        for c in criteria:
            if c.met is None:
                missing.extend(m for m in c.missing if m not in missing)

    if any(c.met for c in exclusions):
        decision = "excluded"
    elif any(c.met for c in indications):
        if all(c.met is False for c in exclusions):
            decision = "indicated"
        else:
            decision = UNDETERMINED
            note(exclusions)
    elif all(c.met is False for c in indications):
        if all(c.met is False for c in exclusions):
            decision = "not_indicated"
        else:  # an exclusion not yet assessed could still make the verdict "excluded": never guess
            decision = UNDETERMINED
            note(exclusions)
    else:
        decision = UNDETERMINED
        note(indications)
        note(exclusions)  # needed as well once an indication is met
    return Verdict(
        rule="surgical_indication",
        decision=decision,
        reasons=reasons,
        rule_version=RULES_VERSION,
        citation=UEI_2018_INDICATION,
        missing=tuple(missing),
    )
