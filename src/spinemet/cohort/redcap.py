"""REDCap "export records" CSV (raw codes) together with the project's data dictionary CSV.

Expected REDCap field names are the format's column names (``patient_id``, ``kps``, ...). When the
dictionary's first field (REDCap's record id) is not ``patient_id`` and no ``patient_id`` field exists,
the record id is read as ``patient_id``.

- radio / dropdown fields: choices ``"1, lung | 2, liver"``; a code becomes its label when the label is
  a format code (case ignored), else the code is kept when it is itself a format code (``dead``: ``0, No |
  1, Yes``), else the cell is reported as ``code (label)``; an export of labels instead of raw codes is
  read the same way (the label ``Lung`` gives ``lung``);
- yesno / truefalse fields: 1 -> ``yes``, 0 -> ``no`` for yes/no columns (codes kept for ``dead``);
- checkbox fields: ``complications___1`` ... (1 = checked) become the ``;``-separated list of labels;
- REDCap's own columns (``redcap_event_name``, ``redcap_repeat_instrument``, ``redcap_repeat_instance``,
  ``redcap_data_access_group``, ``redcap_survey_identifier``, ``<form>_complete``, ``<form>_timestamp``)
  are dropped, with a warning naming them.

Row numbers are the export file's line numbers (header = 1, first record = 2, i.e. record index + 2).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from spinemet.cohort.csv_io import decode_text, read_csv_raw
from spinemet.cohort.problems import CohortValidationError, Problem
from spinemet.cohort.raw import RawTable
from spinemet.cohort.sav_io import label_map
from spinemet.cohort.schema import COLUMN_BY_NAME, YES_NO

__all__ = ["RedcapField", "parse_choices", "read_data_dictionary", "read_redcap_raw"]

_SYSTEM = ("redcap_event_name", "redcap_repeat_instrument", "redcap_repeat_instance",
           "redcap_data_access_group", "redcap_survey_identifier")  # fmt: skip


@dataclass(frozen=True)
class RedcapField:
    """One row of a REDCap data dictionary."""

    name: str
    form: str
    field_type: str
    choices: dict[str, str]


def parse_choices(text: str) -> dict[str, str]:
    """REDCap choices ``"1, lung | 2, liver"`` -> ``{"1": "lung", "2": "liver"}``."""
    out: dict[str, str] = {}
    for part in str(text or "").split("|"):
        if not part.strip():
            continue
        code, sep, label = part.partition(",")
        if not sep:
            raise ValueError(f"choices: got {part.strip()!r}; allowed: 'code, label' items separated by '|'")
        out[code.strip()] = label.strip()
    return out


def _find(columns: list[str], *starts: str) -> str | None:
    for c in columns:
        low = c.strip().lower()
        if any(low.startswith(s) for s in starts):
            return c
    return None


def read_data_dictionary(path: str | os.PathLike[str]) -> list[RedcapField]:
    """Read a REDCap data dictionary CSV (the "Data Dictionary" download of the project)."""
    source = str(path)
    raw = read_csv_raw(path, text=decode_text(Path(path).read_bytes(), source))
    cols = [str(c) for c in raw.frame.columns]
    name_c = _find(cols, "variable / field name", "field name", "variable")
    type_c = _find(cols, "field type")
    form_c = _find(cols, "form name", "form")
    choice_c = _find(cols, "choices")
    wanted = (
        ("Variable / Field Name", name_c),
        ("Field Type", type_c),
        ("Choices, Calculations, OR Slider Labels", choice_c),
    )
    missing = [n for n, c in wanted if c is None]
    if missing:
        raise CohortValidationError(
            [Problem(raw.header_row, m, None, "a REDCap data dictionary column",
                     f"data dictionary has no column {m!r}") for m in missing], source
        )  # fmt: skip
    fields = []
    problems = []
    for k in range(len(raw.frame)):
        rec = raw.frame.iloc[k]
        ftype = str(rec[type_c]).strip().lower()
        try:
            choices = parse_choices(rec[choice_c]) if ftype in ("radio", "dropdown", "checkbox") else {}
        except ValueError as exc:
            problems.append(
                Problem(int(raw.rows[k]), choice_c, rec[choice_c], "'code, label | ...'", str(exc))
            )
            continue
        fields.append(RedcapField(str(rec[name_c]).strip(), str(rec[form_c]).strip() if form_c else "",
                                  ftype, choices))  # fmt: skip
    if problems:
        raise CohortValidationError(problems, source)
    return fields


def read_redcap_raw(path: str | os.PathLike[str], data_dictionary: str | os.PathLike[str]) -> RawTable:
    """Read a REDCap records export (raw codes) and map it to the format with its data dictionary."""
    fields = read_data_dictionary(data_dictionary)
    by_name = {f.name: f for f in fields}
    raw = read_csv_raw(path)
    frame = raw.frame.astype(object)
    notes = list(raw.notes)
    forms = {f.form for f in fields if f.form}
    system = [c for c in frame.columns
              if c in _SYSTEM or (c.endswith("_complete") and c.removesuffix("_complete") in forms)
              or (c.endswith("_timestamp") and c.removesuffix("_timestamp") in forms)]  # fmt: skip
    if system:
        notes.append(Problem(raw.header_row, None, ", ".join(system), "cohort columns",
                             "REDCap columns dropped: " + ", ".join(system), "warning"))  # fmt: skip
        frame = frame.drop(columns=system)
    out: dict[str, pd.Series] = {}
    done: set[str] = set()
    checkbox_re = re.compile(r"^(.+)___(.+)$")
    for c in frame.columns:
        if c in done:
            continue
        m = checkbox_re.match(c)
        if m and m.group(1) in by_name and by_name[m.group(1)].field_type == "checkbox":
            name = m.group(1)
            field = by_name[name]
            parts = [k for k in frame.columns if k.startswith(name + "___")]
            done.update(parts)
            out[name] = _checkbox(name, field, frame, parts, raw, notes)
            continue
        s = frame[c]
        field = by_name.get(c)
        col = COLUMN_BY_NAME.get(c)
        if field is not None and col is not None and col.kind in ("category", "binary", "multi"):
            choices: dict[str, str] = {}
            if field.field_type in ("radio", "dropdown"):
                choices = field.choices
            elif field.field_type in ("yesno", "truefalse"):
                choices = {"1": "yes", "0": "no"} if col.values == YES_NO else {}
            if choices:
                mapping = label_map(c, choices)
                # an export of labels instead of raw codes: a choice's label maps like its code
                mapping.update(
                    {label: mapping[code] for code, label in choices.items() if label not in mapping}
                )
                stripped = s.str.strip()
                mapped = stripped.map(mapping)
                s = mapped.where(mapped.notna(), s)
        out[c] = s
        done.add(c)
    result = pd.DataFrame(out, index=frame.index)
    record_id = fields[0].name if fields else None
    if record_id and record_id != "patient_id" and "patient_id" not in result.columns and record_id in result:
        result = result.rename(columns={record_id: "patient_id"})
        notes.append(Problem(raw.header_row, "patient_id", record_id, "patient_id",
                             f"REDCap record id {record_id!r} read as patient_id", "warning"))  # fmt: skip
    return RawTable(result.reset_index(drop=True), raw.rows, header_row=raw.header_row, notes=notes)


def _checkbox(
    name: str, field: RedcapField, frame: pd.DataFrame, parts: list[str], raw: RawTable, notes: list[Problem]
) -> pd.Series:
    """The ``;``-separated labels of the checked boxes (REDCap exports 1 = checked, 0 = unchecked)."""
    n = len(frame)
    acc = np.full(n, "", dtype=object)
    lower_codes = {code.lower(): code for code in field.choices}
    allowed = {v.lower(): v for v in COLUMN_BY_NAME[name].values} if name in COLUMN_BY_NAME else {}
    for part in parts:
        code = lower_codes.get(part.split("___", 1)[1].lower())
        if code is None:
            message = f"checkbox column {part!r} has no choice in the data dictionary"
            notes.append(Problem(raw.header_row, part, part, f"a choice of {name}", message))
            continue
        label = field.choices[code]
        value = allowed.get(label.lower(), label)
        cells = frame[part].str.strip().str.lower()
        checked = cells.isin(["1", "checked"]).to_numpy()
        bad = ~cells.isin(["1", "0", "", "checked", "unchecked"]).to_numpy()
        for i in np.flatnonzero(bad).tolist():
            notes.append(Problem(int(raw.rows[i]), part, frame[part].iat[i], "one of: 0, 1",
                                 f"{part}: got {frame[part].iat[i]!r}; allowed: one of: 0, 1"))  # fmt: skip
        acc = np.where(checked, acc + value + ";", acc)
    s = pd.Series(acc, index=frame.index, dtype=object).str.rstrip(";")
    return s.where(s != "", np.nan)
