"""Decision support for metastatic spinal tumours: pure, versioned rules whose verdicts carry their reasons.

Every rule takes one patient as a mapping keyed by cohort column names (plus the spinemet extension columns
``family_care``, ``en_bloc_candidate``, ``analgesic_or_rt_responsive``, ``reduced_will_to_live``,
``pedicles_confirmable``, ``intractable_pain``) and returns a ``Verdict``. Missing inputs give
``"undetermined"`` with the missing columns listed; the rules never guess. See docs/pathway.md.
"""

from spinemet.pathway.adjuvant import bone_modifying_agent_prompt, chemotherapy_prompt, radiotherapy_prompt
from spinemet.pathway.assessment import NomsSummary, PathwayAssessment, assess
from spinemet.pathway.discharge import discharge_home
from spinemet.pathway.indication import surgical_indication
from spinemet.pathway.noms import noms_mechanical, noms_neurologic, noms_oncologic, noms_systemic
from spinemet.pathway.procedure import procedure_choice
from spinemet.pathway.prognosis import prognosis_band
from spinemet.pathway.radiosensitivity import radiosensitivity
from spinemet.pathway.verdict import RULES_VERSION, UNDETERMINED, Verdict

__all__ = [
    "RULES_VERSION",
    "UNDETERMINED",
    "NomsSummary",
    "PathwayAssessment",
    "Verdict",
    "assess",
    "bone_modifying_agent_prompt",
    "chemotherapy_prompt",
    "discharge_home",
    "noms_mechanical",
    "noms_neurologic",
    "noms_oncologic",
    "noms_systemic",
    "procedure_choice",
    "prognosis_band",
    "radiosensitivity",
    "radiotherapy_prompt",
    "surgical_indication",
]
