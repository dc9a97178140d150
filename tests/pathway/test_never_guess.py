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
