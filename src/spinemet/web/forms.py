"""The patient form: the cohort columns grouped in the order of the pathway, with their allowed values.

Every field, its meaning and its allowed values come from the cohort schema (``spinemet.cohort.schema``);
this module only chooses the order. Columns not placed in a section fall into "Other items", so a new
cohort column appears on the form without a change here. ``survival_months`` and ``dead`` are not on the
form: they are derived from the follow-up visits (``registry.records.derive_survival``).
"""

from __future__ import annotations

from typing import Any

from spinemet.cohort.schema import COLUMNS, Column
from spinemet.registry.records import DERIVED_COLUMNS

__all__ = ["SECTIONS", "field_of", "form_sections"]

#: (title, columns) in the order the pathway is run: assessment, decision, treatment, outcome.
SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Demographics and diagnosis", ("site", "sex", "age", "primary_tumor", "main_level")),
    ("General condition and Tokuhashi items",
     ("kps", "ecog", "extraspinal_bone_mets", "vertebral_mets", "visceral_mets", "tokuhashi")),
    ("Spinal instability (SINS)",
     ("sins_location", "sins_pain", "sins_lesion", "sins_alignment", "sins_collapse", "sins_posterolateral",
      "sins")),
    ("Neurology (modified Frankel)", ("frankel_scale", "frankel_pre", "ambulatory")),
    ("Epidural spinal cord compression (ESCC)", ("escc",)),
    ("ADL and pain", ("barthel_pre", "vas_pre", "intractable_pain", "analgesic_or_rt_responsive")),
    ("Other prognostic items",
     ("tomita_primary_growth", "tomita_visceral", "tomita_bone_mets", "katagiri_primary_growth",
      "katagiri_visceral", "katagiri_lab", "previous_chemotherapy", "multiple_skeletal_mets",
      "solitary_skeletal_met", "pathologic_fracture", "crp_mg_dl", "ldh_iu_l", "albumin_g_dl",
      "platelets_per_ul", "calcium_mg_dl", "bilirubin_mg_dl")),
    ("Decision", ("family_care", "en_bloc_candidate", "reduced_will_to_live", "pedicles_confirmable",
                  "procedure")),
    ("Surgery", ("surgery_date", "levels_fused", "operative_time_min", "blood_loss_ml", "complications")),
    ("Adjuvant therapy", ("chemotherapy", "radiotherapy", "bone_modifying_agent")),
    ("Discharge", ("discharge", "frankel_post", "barthel_post", "vas_post")),
)  # fmt: skip

_MAX_OPTIONS = 40


def _options(col: Column) -> list[str] | None:
    """The values to choose from (codes, or the few whole numbers allowed); None = typed in."""
    if col.values:
        return list(col.values)
    if col.kind == "integer" and col.low is not None and col.high is not None:
        step = col.step or 1
        count = int((col.high - col.low) // step) + 1
        if count <= _MAX_OPTIONS:
            return [str(int(col.low + i * step)) for i in range(count)]
    return None


def field_of(col: Column) -> dict[str, Any]:
    """One form field: name, kind, meaning, allowed text, options (or None)."""
    return {
        "name": col.name,
        "kind": col.kind,
        "meaning": col.meaning,
        "allowed": col.allowed,
        "options": _options(col),
    }


def form_sections(*, with_site: bool = True) -> list[dict[str, Any]]:
    """The sections of the patient form with their fields (every cohort column except the id and the
    derived survival columns)."""
    by_name = {c.name: c for c in COLUMNS}
    placed: set[str] = set()
    out = []
    for title, names in SECTIONS:
        fields = [field_of(by_name[n]) for n in names if n in by_name and (with_site or n != "site")]
        placed.update(names)
        out.append({"title": title, "fields": fields})
    skip = {"patient_id", *DERIVED_COLUMNS, *placed}
    rest = [field_of(c) for c in COLUMNS if c.name not in skip]
    if rest:
        out.append({"title": "Other items", "fields": rest})
    return out
