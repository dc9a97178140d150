"""A fully documented patient for the pathway tests."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def patient() -> dict[str, Any]:
    """Kidney cancer, T8 lesion, Frankel D2, every pathway input recorded.

    Tokuhashi by hand (Tokuhashi 2005 Table): KPS 70 -> 1, extraspinal foci 1 -> 1, vertebral mets 2 -> 1,
    visceral none -> 2, kidney -> 3, Frankel D2 (incomplete) -> 1: total 9 (band 9-11).
    SINS by hand (Fisher 2010): T8 semirigid 1, mechanical pain 3, lytic 2, normal alignment 0,
    collapse < 50% 2, unilateral posterolateral 1: total 9 (potentially unstable).
    """
    return {
        "patient_id": "P1",
        "primary_tumor": "kidney",
        "kps": 70,
        "extraspinal_bone_mets": 1,
        "vertebral_mets": 2,
        "visceral_mets": "none",
        "frankel_pre": "D2",
        "main_level": "T8",
        "sins_pain": "mechanical",
        "sins_lesion": "lytic",
        "sins_alignment": "normal",
        "sins_collapse": "under50",
        "sins_posterolateral": "unilateral",
        "escc": "2",
        "intractable_pain": "yes",
        "en_bloc_candidate": "no",
        "analgesic_or_rt_responsive": "no",
        "reduced_will_to_live": "no",
        "pedicles_confirmable": "yes",
        "barthel_pre": 45,
        "family_care": "no",
    }
