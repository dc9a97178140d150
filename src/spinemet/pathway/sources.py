"""Citations of the sources the pathway rules follow (short form used in reasons, full form in verdicts)."""

from __future__ import annotations

__all__ = [
    "AO_RADIOSENSITIVITY",
    "BILSKY_2010",
    "FISHER_2010",
    "FRANKEL_MODIFIED",
    "LAUFER_2013",
    "OKEN_1982",
    "TOKUHASHI_2005",
    "UEI_2018",
    "UEI_2018_DISCUSSION",
    "UEI_2018_INDICATION",
    "UEI_2018_OUTCOME",
]

UEI_2018 = "Uei H, Tokuhashi Y, Maseda M, et al. J Orthop Surg Res 2018;13:17"
UEI_2018_INDICATION = f"{UEI_2018}, Methods 'Surgical indication'"
UEI_2018_OUTCOME = f"{UEI_2018}, Methods 'Outcome evaluation'"
UEI_2018_DISCUSSION = f"{UEI_2018}, Discussion"
FISHER_2010 = "Fisher CG, et al. Spine 2010;35:E1221 (SINS)"
TOKUHASHI_2005 = "Tokuhashi Y, et al. Spine 2005;30:2186-2191 (revised Tokuhashi score)"
BILSKY_2010 = "Bilsky MH, et al. J Neurosurg Spine 2010;13:324 (ESCC scale)"
OKEN_1982 = "Oken MM, et al. Am J Clin Oncol 1982;5:649 (ECOG performance status)"
LAUFER_2013 = "Laufer I, et al. Oncologist 2013 (NOMS decision framework)"
AO_RADIOSENSITIVITY = "AO Foundation Surgery Reference, 'Classification of tumor radiosensitivity'"
FRANKEL_MODIFIED = f"{UEI_2018}, Table 2 (modified Frankel grades)"
