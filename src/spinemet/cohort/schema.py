"""The cohort interchange format, version 1, as one declarative table of columns.

Source: ``cohort-format.md`` (core and extension columns) and ``ARCHITECTURE.md`` (spinemet's own
extension columns). Every allowed-value text shown to users is generated from this table, so the
validator, the documentation and the error messages cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from spinemet.pathway.radiosensitivity import PRIMARY_TUMORS as _PRIMARY_TUMORS
from spinemet.scores import (
    ESCC_RANKS,
    KATAGIRI_LAB_POINTS,
    KATAGIRI_PRIMARY_POINTS,
    KATAGIRI_VISCERAL_POINTS,
    SINS_ALIGNMENT_POINTS,
    SINS_COLLAPSE_POINTS,
    SINS_LESION_POINTS,
    SINS_LOCATION_POINTS,
    SINS_PAIN_POINTS,
    SINS_POSTEROLATERAL_POINTS,
    TOMITA_BONE_POINTS,
    TOMITA_PRIMARY_POINTS,
    TOMITA_VISCERAL_POINTS,
)

__all__ = [
    "BARTHEL_ITEMS",
    "BARTHEL_ITEM_SETS",
    "COLUMNS",
    "COLUMN_BY_NAME",
    "COMPLICATIONS",
    "FORMAT_VERSION",
    "PRIMARY_TUMORS",
    "SINS_COMPONENTS",
    "TOKUHASHI_COMPONENTS",
    "Column",
    "ColumnKind",
]

FORMAT_VERSION = 1

ColumnKind = Literal["text", "category", "integer", "number", "date", "multi", "binary"]
"""How a column is stored and checked:

- ``text``: free text (object dtype ``str``);
- ``category``: one of a fixed list of codes (object dtype ``str``);
- ``binary``: ``0``/``1`` code stored as float 0.0/1.0 (``dead``);
- ``integer``: whole number (float64), within a range, a step or a list of allowed values;
- ``number``: real number (float64) within a range;
- ``date``: ``YYYY-MM-DD`` (datetime64[ns]);
- ``multi``: ``;``-separated subset of a list of codes (object dtype ``str``; empty = none).
"""


@dataclass(frozen=True)
class Column:
    """One column of the cohort format.

    Attributes:
        name: the fixed column name.
        kind: see :data:`ColumnKind`.
        meaning: clinical meaning (also written as the SPSS variable label).
        core: ``True`` for the study's variables, ``False`` for extension columns.
        values: the allowed codes (category, binary, multi) or allowed numbers (integer).
        low, high: inclusive numeric bounds (``low`` exclusive when ``low_exclusive``).
        step: numeric step from ``low`` (KPS 10, Barthel 5).
        unique: values must be unique within the file.
        required: the column must be present and non-empty in every row.
        special: extra tokens accepted in a numeric column and their numeric value
            (``age``: ``"90+"`` -> 90 for range checks, the HIPAA Safe Harbor group written by
            :func:`deidentify`; the typed frame keeps the token itself, see ``validate.check_frame``).
        group: a short name of the column's group (for the documentation).
        note: appended to the allowed-value text.
    """

    name: str
    kind: ColumnKind
    meaning: str
    core: bool = True
    values: tuple[str, ...] = ()
    low: float | None = None
    high: float | None = None
    low_exclusive: bool = False
    step: int | None = None
    unique: bool = False
    required: bool = False
    special: tuple[tuple[str, float], ...] = ()
    group: str = ""
    note: str = ""

    @property
    def numeric(self) -> bool:
        """True when the typed column is float64 (integer, number, binary)."""
        return self.kind in ("integer", "number", "binary")

    @property
    def allowed(self) -> str:
        """The allowed values as shown to users, e.g. ``"one of: M, F"`` or ``"integer 0-120"``."""
        if self.kind == "text":
            text = "text"
            if self.unique:
                text += ", unique in the file"
            if self.required:
                text += ", required"
            return text
        if self.kind in ("category", "binary"):
            return "one of: " + ", ".join(self.values) + self.note
        if self.kind == "multi":
            return "';'-separated subset of: " + ", ".join(self.values) + "; empty = none"
        if self.kind == "date":
            return "date YYYY-MM-DD"
        if self.kind == "integer" and self.values:
            text = "one of: " + ", ".join(self.values)
        else:
            text = self._range_text()
        if self.special:
            text += ", or " + ", ".join(token for token, _ in self.special)
        return text

    def _range_text(self) -> str:
        word = "integer" if self.kind == "integer" else "number"
        low, high = _fmt(self.low), _fmt(self.high)
        if self.step is not None and self.low is not None and self.high is not None:
            return f"{low}-{high} in steps of {self.step}"
        if self.low is not None and self.high is not None:
            return f"{word} {low}-{high}"
        if self.low is not None:
            return f"{word} {'>' if self.low_exclusive else '>='} {low}"
        if self.high is not None:
            return f"{word} <= {high}"
        return word


def _fmt(x: float | None) -> str:
    if x is None:
        return ""
    return str(int(x)) if float(x).is_integer() else repr(float(x))


YES_NO = ("yes", "no")

PRIMARY_TUMORS = _PRIMARY_TUMORS
"""``primary_tumor`` codes (cohort-format.md; ``colon``/``rectum`` kept apart, scores.md §1); typed once in
``spinemet.pathway.radiosensitivity``, the lowest layer that needs them."""

LEVEL_CODES = tuple(f"{p}{i}" for p, n in (("C", 7), ("T", 12), ("L", 5), ("S", 5)) for i in range(1, n + 1))

FRANKEL_GRADES = ("A", "B", "C", "D1", "D2", "D3", "E")
FRANKEL_ORIGINAL_ONLY = ("D",)
"""Original Frankel ``D`` is accepted only in rows with ``frankel_scale = original`` (scores.md §4)."""

_FRANKEL_NOTE = " (A, B, C, D, E when frankel_scale = original)"

COMPLICATIONS = (
    "massive_bleeding", "early_death", "epidural_hematoma", "wound_dehiscence", "upper_airway_obstruction",
    "acute_renal_failure", "surgical_site_infection", "deep_vein_thrombosis", "other",
)  # fmt: skip
"""Perioperative complication codes (the study's Table 4)."""

TOKUHASHI_COMPONENTS = (
    "kps", "extraspinal_bone_mets", "vertebral_mets", "visceral_mets", "primary_tumor", "frankel_pre",
)  # fmt: skip
"""The six items of the revised Tokuhashi score (Tokuhashi 2005), as cohort columns."""

SINS_COMPONENTS = (
    "sins_location", "sins_pain", "sins_lesion", "sins_alignment", "sins_collapse", "sins_posterolateral",
)  # fmt: skip
"""The six SINS components (Fisher 2010); ``sins_location`` may be derived from ``main_level``."""

BARTHEL_ITEMS: MappingProxyType[str, tuple[str, ...]] = MappingProxyType(
    {
        "feeding": ("0", "5", "10"),
        "bathing": ("0", "5"),
        "grooming": ("0", "5"),
        "dressing": ("0", "5", "10"),
        "bowels": ("0", "5", "10"),
        "bladder": ("0", "5", "10"),
        "toilet": ("0", "5", "10"),
        "transfers": ("0", "5", "10", "15"),
        "mobility": ("0", "5", "10", "15"),
        "stairs": ("0", "5", "10"),
    }
)
"""Barthel item -> allowed points (Mahoney & Barthel 1965; scores.md §5)."""

_BARTHEL_LABELS = {
    "feeding": "feeding",
    "bathing": "bathing",
    "grooming": "grooming (personal toilet)",
    "dressing": "dressing",
    "bowels": "bowels",
    "bladder": "bladder",
    "toilet": "toilet use",
    "transfers": "transfers bed to chair",
    "mobility": "mobility on level surfaces",
    "stairs": "stairs",
}

BARTHEL_ITEM_SETS: MappingProxyType[str, tuple[tuple[str, ...], str]] = MappingProxyType(
    {
        "": (tuple(f"barthel_{i}" for i in BARTHEL_ITEMS), "barthel_pre"),
        "_pre": (tuple(f"barthel_{i}_pre" for i in BARTHEL_ITEMS), "barthel_pre"),
        "_post": (tuple(f"barthel_{i}_post" for i in BARTHEL_ITEMS), "barthel_post"),
    }
)
"""Item-set suffix -> (the ten item columns, the total they give). Unsuffixed items are pre-operative
(cohort-format.md); ``_pre``/``_post`` sets are spinemet's addition."""


def _c(name: str, kind: ColumnKind, meaning: str, **kw: object) -> Column:
    return Column(name, kind, meaning, **kw)  # type: ignore[arg-type]


def _core() -> list[Column]:
    g = "core"
    return [
        _c(
            "patient_id",
            "text",
            "pseudonymous id (never a name or a hospital number)",
            unique=True,
            required=True,
            group=g,
        ),
        _c("site", "text", "centre, for multi-centre registries", group=g),
        _c("sex", "category", "sex", values=("M", "F"), group=g),
        _c("age", "integer", "age at surgery, years", low=0, high=120, special=(("90+", 90.0),), group=g),
        _c("surgery_date", "date", "date of surgery", group=g),
        _c("primary_tumor", "category", "primary cancer", values=PRIMARY_TUMORS, group=g),
        _c("main_level", "category", "vertebra of the main lesion", values=LEVEL_CODES, group=g),
        _c("kps", "integer", "Karnofsky performance status", low=10, high=100, step=10, group=g),
        _c("ecog", "integer", "ECOG performance status", low=0, high=4, group=g),
        _c("extraspinal_bone_mets", "integer", "number of extraspinal bone metastasis foci", low=0, group=g),
        _c("vertebral_mets", "integer", "number of vertebral-body metastases", low=1, group=g),
        _c(
            "visceral_mets",
            "category",
            "metastases to major internal organs",
            values=("none", "removable", "unremovable"),
            group=g,
        ),
        _c("tokuhashi", "integer", "revised Tokuhashi total (Tokuhashi 2005)", low=0, high=15, group=g),
        _c(
            "sins_location",
            "category",
            "SINS location (derived from main_level when absent)",
            values=tuple(SINS_LOCATION_POINTS),
            group=g,
        ),
        _c("sins_pain", "category", "SINS pain", values=tuple(SINS_PAIN_POINTS), group=g),
        _c("sins_lesion", "category", "SINS bone lesion", values=tuple(SINS_LESION_POINTS), group=g),
        _c(
            "sins_alignment",
            "category",
            "SINS radiographic alignment",
            values=tuple(SINS_ALIGNMENT_POINTS),
            group=g,
        ),
        _c(
            "sins_collapse",
            "category",
            "SINS vertebral body collapse",
            values=tuple(SINS_COLLAPSE_POINTS),
            group=g,
        ),
        _c(
            "sins_posterolateral",
            "category",
            "SINS posterolateral involvement",
            values=tuple(SINS_POSTEROLATERAL_POINTS),
            group=g,
        ),
        _c("sins", "integer", "SINS total (Fisher 2010)", low=0, high=18, group=g),
        _c(
            "escc",
            "category",
            "Bilsky epidural spinal cord compression grade (a label)",
            values=tuple(ESCC_RANKS),
            group=g,
        ),
        _c(
            "frankel_pre",
            "category",
            "modified Frankel grade before surgery (study Table 2)",
            values=FRANKEL_GRADES,
            note=_FRANKEL_NOTE,
            group=g,
        ),
        _c(
            "frankel_post",
            "category",
            "modified Frankel grade after surgery",
            values=FRANKEL_GRADES,
            note=_FRANKEL_NOTE,
            group=g,
        ),
        _c("barthel_pre", "integer", "Barthel index before surgery", low=0, high=100, step=5, group=g),
        _c(
            "barthel_post", "integer", "highest Barthel index after surgery", low=0, high=100, step=5, group=g
        ),
        _c("vas_pre", "number", "pain, visual analogue scale, before surgery", low=0, high=10, group=g),
        _c(
            "vas_post",
            "number",
            "pain, visual analogue scale, 2 weeks after surgery",
            low=0,
            high=10,
            group=g,
        ),
        _c(
            "procedure",
            "category",
            "conventional posterior decompression and fixation / minimally invasive spine stabilization",
            values=("conventional", "mist"),
            group=g,
        ),
        _c("levels_fused", "integer", "number of levels fused", low=1, group=g),
        _c("operative_time_min", "integer", "operative time, minutes", low=0, low_exclusive=True, group=g),
        _c("blood_loss_ml", "integer", "intraoperative blood loss, ml", low=0, group=g),
        _c("complications", "multi", "perioperative complications", values=COMPLICATIONS, group=g),
        _c("chemotherapy", "category", "postoperative chemotherapy", values=YES_NO, group=g),
        _c("radiotherapy", "category", "postoperative radiotherapy", values=YES_NO, group=g),
        _c(
            "bone_modifying_agent",
            "category",
            "postoperative bisphosphonate or denosumab",
            values=YES_NO,
            group=g,
        ),
        _c(
            "discharge",
            "category",
            "course after surgery",
            values=("home", "hospice", "in_hospital_death", "transfer"),
            group=g,
        ),
        _c("survival_months", "number", "surgery to death or last follow-up, months", low=0, group=g),
        _c("dead", "binary", "1 = died; 0 = alive at last follow-up (censored)", values=("0", "1"), group=g),
    ]


def _extensions() -> list[Column]:
    cols: list[Column] = []
    for suffix, label in (("", "before surgery"), ("_pre", "before surgery"), ("_post", "after surgery")):
        for item, points in BARTHEL_ITEMS.items():
            cols.append(
                _c(
                    f"barthel_{item}{suffix}",
                    "integer",
                    f"Barthel item: {_BARTHEL_LABELS[item]}, {label}",
                    core=False,
                    values=points,
                    group=f"barthel items{suffix or ' (pre-operative)'}",
                )
            )
    x = {"core": False}
    cols += [
        # with surgery_date these give survival_months and dead (cohort/survival_dates.py)
        _c("death_date", "date", "date of death (empty when alive)", group="survival dates", **x),
        _c("last_contact_date", "date", "date the patient was last known alive", group="survival dates", **x),
        _c(
            "tomita_primary_growth",
            "category",
            "Tomita primary tumour growth",
            values=tuple(TOMITA_PRIMARY_POINTS),
            group="tomita",
            **x,
        ),
        _c(
            "tomita_visceral",
            "category",
            "Tomita visceral metastases",
            values=tuple(TOMITA_VISCERAL_POINTS),
            group="tomita",
            **x,
        ),
        _c(
            "tomita_bone_mets",
            "category",
            "Tomita bone metastases",
            values=tuple(TOMITA_BONE_POINTS),
            group="tomita",
            **x,
        ),
        _c(
            "katagiri_primary_growth",
            "category",
            "new Katagiri primary lesion growth",
            values=tuple(KATAGIRI_PRIMARY_POINTS),
            group="katagiri",
            **x,
        ),
        _c(
            "katagiri_visceral",
            "category",
            "new Katagiri visceral metastasis",
            values=tuple(KATAGIRI_VISCERAL_POINTS),
            group="katagiri",
            **x,
        ),
        _c(
            "katagiri_lab",
            "category",
            "new Katagiri laboratory data (alternative to the raw values)",
            values=tuple(KATAGIRI_LAB_POINTS),
            group="katagiri",
            **x,
        ),
        _c(
            "previous_chemotherapy",
            "category",
            "chemotherapy before surgery",
            values=YES_NO,
            group="katagiri",
            **x,
        ),
        _c(
            "multiple_skeletal_mets",
            "category",
            "multiple skeletal metastases",
            values=YES_NO,
            group="katagiri",
            **x,
        ),
        _c(
            "solitary_skeletal_met",
            "category",
            "one solitary skeletal metastasis",
            values=YES_NO,
            group="bauer",
            **x,
        ),
        _c("pathologic_fracture", "category", "pathological fracture", values=YES_NO, group="bauer", **x),
        _c(
            "ambulatory",
            "category",
            "ambulatory status",
            values=("independent", "dependent", "non_ambulatory"),
            group="nesms",
            **x,
        ),
        _c(
            "frankel_scale",
            "category",
            "Frankel scale of frankel_pre/frankel_post (default modified)",
            values=("modified", "original"),
            group="frankel",
            **x,
        ),
    ]
    labs = (
        ("crp_mg_dl", "C-reactive protein, mg/dL"),
        ("ldh_iu_l", "lactate dehydrogenase, IU/L"),
        ("albumin_g_dl", "serum albumin, g/dL"),
        ("platelets_per_ul", "platelet count, per microlitre"),
        ("calcium_mg_dl", "serum calcium, mg/dL"),
        ("bilirubin_mg_dl", "total bilirubin, mg/dL"),
    )
    cols += [_c(n, "number", m, low=0, group="laboratory", **x) for n, m in labs]
    spinemet = (
        ("family_care", "sufficient care by family at home"),
        ("en_bloc_candidate", "indicated for total en bloc spondylectomy"),
        ("analgesic_or_rt_responsive", "pain responsive to narcotic analgesics or markedly to radiotherapy"),
        ("reduced_will_to_live", "reduced will to live"),
        ("pedicles_confirmable", "pedicles can be confirmed under fluoroscopy (PPS insertable)"),
        ("intractable_pain", "intractable pain"),
    )
    cols += [_c(n, "category", m, values=YES_NO, group="spinemet", **x) for n, m in spinemet]
    return cols


COLUMNS: tuple[Column, ...] = tuple(_core() + _extensions())
"""Every column of the format, core first, in the canonical order used by the writers."""

COLUMN_BY_NAME: MappingProxyType[str, Column] = MappingProxyType({c.name: c for c in COLUMNS})
"""Column name -> :class:`Column`."""
