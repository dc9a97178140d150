"""Property: the rules never guess. A decision made on part of a patient's data is the decision on all of it.

Hypothesis draws random subsets of fully documented, internally consistent patients (ECOG equal to the
KPS crosswalk, a given Tokuhashi/SINS total equal to its components). Every verdict on the subset is either
``undetermined`` with the missing columns listed, or equal to the verdict on the full record.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from spinemet.pathway import assess
from spinemet.scores.performance import kps_to_ecog
from spinemet.scores.sins import sins
from spinemet.scores.tokuhashi import tokuhashi

TOK = ("kps", "extraspinal_bone_mets", "vertebral_mets", "visceral_mets", "primary_tumor", "frankel_pre")
SINS = ("sins_pain", "sins_lesion", "sins_alignment", "sins_collapse", "sins_posterolateral", "main_level")
YES_NO = st.sampled_from(["yes", "no"])
LEVELS = [f"{p}{i}" for p, n in (("C", 7), ("T", 12), ("L", 5), ("S", 5)) for i in range(1, n + 1)]


@st.composite
def full_patient(draw: st.DrawFn) -> dict[str, Any]:
    p: dict[str, Any] = {
        "kps": draw(st.sampled_from(range(10, 101, 10))),
        "extraspinal_bone_mets": draw(st.integers(0, 5)),
        "vertebral_mets": draw(st.integers(1, 5)),
        "visceral_mets": draw(st.sampled_from(["none", "removable", "unremovable"])),
        "primary_tumor": draw(
            st.sampled_from(["lung", "kidney", "thyroid", "breast", "myeloma", "colon", "unknown"])
        ),
        "frankel_pre": draw(st.sampled_from(["A", "B", "C", "D1", "D2", "D3", "E"])),
        "main_level": draw(st.sampled_from(LEVELS)),
        "sins_pain": draw(st.sampled_from(["mechanical", "occasional", "none"])),
        "sins_lesion": draw(st.sampled_from(["lytic", "mixed", "blastic"])),
        "sins_alignment": draw(st.sampled_from(["subluxation", "deformity", "normal"])),
        "sins_collapse": draw(st.sampled_from(["over50", "under50", "involved_no_collapse", "none"])),
        "sins_posterolateral": draw(st.sampled_from(["bilateral", "unilateral", "none"])),
        "escc": draw(st.sampled_from(["0", "1a", "1b", "1c", "2", "3"])),
        "barthel_pre": draw(st.sampled_from(range(0, 101, 5))),
        "barthel_post": draw(st.sampled_from(range(0, 101, 5))),
    }
    for key in ("intractable_pain", "en_bloc_candidate", "analgesic_or_rt_responsive", "reduced_will_to_live",
                "pedicles_confirmable", "family_care"):  # fmt: skip
        p[key] = draw(YES_NO)
    p["ecog"] = kps_to_ecog(p["kps"])
    p["tokuhashi"] = tokuhashi(**{k: p[k] for k in TOK}).total
    p["sins"] = sins(**{k: p[k] for k in SINS}).total
    return p


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_partial_data_never_changes_a_determined_decision(data: st.DataObject) -> None:
    full = data.draw(full_patient())
    keep = data.draw(st.lists(st.sampled_from(sorted(full)), unique=True))
    part = {k: full[k] for k in keep}
    complete = {v.rule: v for v in assess(full).verdicts}
    assert all(v.decision != "undetermined" for v in complete.values())
    for v in assess(part).verdicts:
        if v.decision == "undetermined":
            assert v.missing, v.rule
            assert all(m not in part for m in v.missing), (v.rule, v.missing)
        else:
            assert v.decision == complete[v.rule].decision, (v.rule, part)


def test_no_indication_with_an_unassessed_exclusion_is_undetermined() -> None:
    """Found by Hypothesis: with no indication met and exclusions (2) and (3) not yet assessable, the
    verdict was ``not_indicated`` although the complete record is ``excluded``; it must wait for the
    missing columns."""
    from spinemet.pathway import surgical_indication

    partial = {
        "frankel_pre": "E", "primary_tumor": "lung", "analgesic_or_rt_responsive": "yes",
        "intractable_pain": "no", "en_bloc_candidate": "no", "ecog": 4, "barthel_pre": 0, "barthel_post": 0,
    }
    complete = {
        **partial, "kps": 10, "extraspinal_bone_mets": 0, "vertebral_mets": 1,
        "visceral_mets": "none", "main_level": "C1", "sins_pain": "mechanical", "sins_lesion": "lytic",
        "sins_alignment": "subluxation", "sins_collapse": "over50", "sins_posterolateral": "bilateral",
        "escc": "0", "reduced_will_to_live": "yes",
    }
    assert surgical_indication(complete).decision == "excluded"
    verdict = surgical_indication(partial)
    assert verdict.decision == "undetermined"
    assert "reduced_will_to_live" in verdict.missing
