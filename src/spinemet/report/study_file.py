"""The study file: what a user's own study report shows (TOML or YAML), read into :class:`StudyConfig`.

Without a study file the report is the paper's (Uei et al. 2018) layout. A study file names the title and
authors, the Table 1 variables and their order, the grouping variable (Table 1 by group with P values),
the outcomes as pre/post pairs, the survival endpoint and the time points for survival estimates, the
covariates of a multivariable Cox model, the subgroups for survival, and the table style. Every key is
checked: an unknown key or a wrong type is an error naming the key and what is allowed. Column names are
checked against the cohort when the report is built (:func:`check_columns`).

Example (docs/report.md has the full reference)::

    title = "Surgery for spinal metastases at our centre, 2015-2023"
    authors = ["A. Surgeon", "B. Oncologist"]

    [table1]
    variables = ["age", "sex", "primary_tumor", "kps", "frankel_pre"]
    by = "procedure"
    statistic = "median_iqr"          # or "mean_sd"
    smd = true

    [survival]
    time = "survival_months"
    event = "dead"
    times = [6, 12, 24]               # months
    subgroups = ["tokuhashi_band", "procedure"]

    [cox]
    covariates = ["age", "tokuhashi_band", "procedure"]

    [outcomes]
    pairs = [["barthel_pre", "barthel_post"], ["vas_pre", "vas_post"]]

    [style]
    continuous = "iqr"                # paper | sd | iqr
    percent = "round"                 # round | truncate
    percent_decimals = 1
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spinemet.errors import InvalidInputError

__all__ = ["StudyConfig", "check_columns", "load_study_file", "parse_study"]

_SCHEMA: dict[str, tuple[str, ...]] = {
    "": ("title", "authors", "table1", "survival", "cox", "outcomes", "style"),
    "table1": ("variables", "by", "statistic", "smd", "labels"),
    "survival": ("time", "event", "times", "subgroups"),
    "cox": ("covariates", "ties"),
    "outcomes": ("pairs",),
    "style": ("continuous", "percent", "percent_decimals"),
}


@dataclass(frozen=True)
class StudyConfig:
    """A parsed study file (defaults = the paper's report)."""

    title: str | None = None
    authors: tuple[str, ...] = ()
    table1_variables: tuple[str, ...] = ()
    table1_by: str | None = None
    table1_statistic: str = "median_iqr"
    table1_smd: bool = False
    labels: dict[str, str] = field(default_factory=dict)
    survival_time: str = "survival_months"
    survival_event: str = "dead"
    survival_times: tuple[float, ...] = ()
    subgroups: tuple[str, ...] = ()
    cox_covariates: tuple[str, ...] = ()
    cox_ties: str = "efron"
    outcome_pairs: tuple[tuple[str, str], ...] = ()
    style: str | None = None
    percent_style: str | None = None
    percent_decimals: int = 1
    source: str = ""

    def columns(self) -> list[str]:
        """Every cohort column the study file names."""
        cols = [*self.table1_variables, *([self.table1_by] if self.table1_by else []),
                *self.subgroups, *self.cox_covariates]
        cols += [c for pair in self.outcome_pairs for c in pair]
        if self.survival_times or self.cox_covariates or self.subgroups:
            cols += [self.survival_time, self.survival_event]
        return list(dict.fromkeys(cols))


def _err(key: str, value: Any, allowed: str, detail: str | None = None) -> InvalidInputError:
    return InvalidInputError(f"study file: {key}", value, allowed, detail)


def _strings(key: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _err(key, value, "a list of column names (text)")
    if len(set(value)) != len(value):
        raise _err(key, value, "each name once")
    return tuple(value)


def _one_of(key: str, value: Any, allowed: Iterable[str]) -> str:
    allowed = tuple(allowed)
    if value not in allowed:
        raise _err(key, value, ", ".join(allowed))
    return str(value)


def parse_study(data: Mapping[str, Any], *, source: str = "") -> StudyConfig:
    """Check and read a study file's parsed content (a mapping from TOML or YAML)."""
    if not isinstance(data, Mapping):
        raise _err("(file)", type(data).__name__, "a table of keys (title, table1, survival, ...)")
    for section, keys in _SCHEMA.items():
        block = data if section == "" else data.get(section, {})
        if not isinstance(block, Mapping):
            raise _err(section, block, "a table of keys: " + ", ".join(keys))
        for k in block:
            if k not in keys:
                name = f"{section}.{k}" if section else str(k)
                raise _err(name, k, ", ".join(keys), "unknown key")
    t1 = data.get("table1", {})
    sv = data.get("survival", {})
    cx = data.get("cox", {})
    oc = data.get("outcomes", {})
    st = data.get("style", {})
    title = data.get("title")
    if title is not None and (not isinstance(title, str) or not title.strip()):
        raise _err("title", title, "non-empty text")
    authors = data.get("authors", [])
    if isinstance(authors, str):
        authors = [authors]
    authors = _strings("authors", authors)
    labels = t1.get("labels", {})
    if not isinstance(labels, Mapping) or not all(isinstance(v, str) for v in labels.values()):
        raise _err("table1.labels", labels, "a table column = label text")
    times = sv.get("times", [])
    if not isinstance(times, list) or not all(
        isinstance(t, int | float) and not isinstance(t, bool) and t > 0 for t in times
    ):
        raise _err("survival.times", times, "a list of times > 0 (in the unit of survival.time)")
    pairs = oc.get("pairs", [])
    if not isinstance(pairs, list) or not all(
        isinstance(p, list) and len(p) == 2 and all(isinstance(c, str) for c in p) for p in pairs
    ):
        raise _err("outcomes.pairs", pairs, "a list of [pre, post] column pairs")
    smd = t1.get("smd", False)
    if not isinstance(smd, bool):
        raise _err("table1.smd", smd, "true or false")
    decimals = st.get("percent_decimals", 1)
    if not isinstance(decimals, int) or isinstance(decimals, bool) or not 0 <= decimals <= 3:
        raise _err("style.percent_decimals", decimals, "an integer 0-3")
    by = t1.get("by")
    if by is not None and not isinstance(by, str):
        raise _err("table1.by", by, "a column name (text)")
    for key in ("time", "event"):
        if not isinstance(sv.get(key, "x"), str):
            raise _err(f"survival.{key}", sv.get(key), "a column name (text)")
    return StudyConfig(
        title=title.strip() if isinstance(title, str) else None,
        authors=authors,
        table1_variables=_strings("table1.variables", t1.get("variables", [])),
        table1_by=by,
        table1_statistic=_one_of("table1.statistic", t1.get("statistic", "median_iqr"),
                                 ("median_iqr", "mean_sd")),
        table1_smd=smd,
        labels=dict(labels),
        survival_time=sv.get("time", "survival_months"),
        survival_event=sv.get("event", "dead"),
        survival_times=tuple(float(t) for t in times),
        subgroups=_strings("survival.subgroups", sv.get("subgroups", [])),
        cox_covariates=_strings("cox.covariates", cx.get("covariates", [])),
        cox_ties=_one_of("cox.ties", cx.get("ties", "efron"), ("efron", "breslow")),
        outcome_pairs=tuple((p[0], p[1]) for p in pairs),
        style=_one_of("style.continuous", st["continuous"], ("paper", "sd", "iqr")) if "continuous" in st
        else None,
        percent_style=_one_of("style.percent", st["percent"], ("round", "truncate")) if "percent" in st
        else None,
        percent_decimals=decimals,
        source=source,
    )


def load_study_file(path: Path | str) -> StudyConfig:
    """Read a study file: ``.toml`` (tomllib) or ``.yaml``/``.yml`` (PyYAML safe loader)."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in (".toml", ".yaml", ".yml"):
        raise _err("(file)", p.name, "a .toml, .yaml or .yml file")
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise _err("(file)", p.name, "a readable file", str(exc)) from None
    try:
        if suffix == ".toml":
            import tomllib

            data = tomllib.loads(raw.decode("utf-8"))
        else:
            import yaml

            data = yaml.safe_load(raw.decode("utf-8")) or {}
    except Exception as exc:  # tomllib.TOMLDecodeError, yaml.YAMLError, UnicodeDecodeError
        raise _err("(file)", p.name, "valid TOML or YAML", str(exc).splitlines()[0]) from None
    return parse_study(data, source=p.name)


def check_columns(config: StudyConfig, columns: Iterable[str]) -> None:
    """Every column the study file names must be in the cohort (or a computed score column)."""
    have = set(columns)
    missing = [c for c in config.columns() if c not in have]
    if missing:
        raise _err("columns", ", ".join(missing), "columns of the cohort or computed score columns "
                   "(e.g. tokuhashi_band); extra columns need --keep-extra")
