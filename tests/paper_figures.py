"""Published figures of the seed paper (Uei H, et al. J Orthop Surg Res 2018;13:17;
/work/shared/seed/000_c0517652bdd2d68b.txt), typed in once for the tests.

Each constant names the table/page of the paper it comes from; tests import them instead of retyping.
"""

from __future__ import annotations

#: Modified Frankel grades in the order of the paper's Table 3 rows and columns.
FRANKEL_GRADES: tuple[str, ...] = ("A", "B", "C", "D1", "D2", "D3", "E")

#: Uei et al. 2018, Table 3 (modified Frankel transitions): rows = grade before surgery,
#: values = counts after surgery in the columns A, B, C, D1, D2, D3, E (55 patients).
PAPER_TABLE3: dict[str, list[int]] = {
    "A": [2, 0, 0, 0, 0, 0, 0],
    "B": [1, 0, 0, 0, 0, 0, 0],
    "C": [0, 1, 7, 3, 1, 1, 6],
    "D1": [0, 0, 0, 2, 4, 5, 4],
    "D2": [0, 0, 0, 0, 1, 0, 0],
    "D3": [0, 0, 1, 0, 0, 4, 5],
    "E": [0, 0, 0, 0, 0, 1, 6],
}
