"""Build src/sselab/xps/data/xps_lines.csv (survey identification) from the KherveFitting library workbook.

Source: KherveFitting/KherveFitting @ 8911c999742cbee3e523f88b8452aa63de31d9ce (BSD-3-Clause), file
KherveFitting_library.xlsx, sheet "Library": core-line binding energies and Scofield cross-sections per
source (rows "C-Al1486": Al Ka, "C-Mg1253": Mg Ka; both list the same positions) and the main Auger
series of each element as kinetic energies (rows "C-Any", Auger? = 1).  Valence lines (BE < 15 eV) are
left out.  Positions are the library's (rounded to ~1 eV for most lines: a survey tolerance, not a
chemical-state table).  Usage: python scripts/build_line_table.py KherveFitting_library.xlsx
"""

import csv
import sys

import pandas as pd

COMMIT = "8911c999742cbee3e523f88b8452aa63de31d9ce"
SRC = f"KherveFitting {COMMIT[:8]}"
df = pd.read_excel(sys.argv[1], sheet_name="Library")
core = df[(df["Auger?"] == 0) & (df["KE or BE"] == "BE")]
al = core[core.Instrument == "C-Al1486"].dropna(subset=["RSF", "Position"]).groupby(["Element", "Type"]).first()
scof = core[core.Instrument == "A-ALSCOF"].dropna(subset=["RSF", "Position"]).groupby(["Element", "Type"]).first()
missing = sorted(set(scof.index.get_level_values(0)) - set(al.index.get_level_values(0)))
al = pd.concat([al, scof[scof.index.get_level_values(0).isin(missing)]])
mg = core[core.Instrument == "C-Mg1253"].dropna(subset=["RSF"]).groupby(["Element", "Type"])["RSF"].first()
rows = []
for (el, typ), r in al.iterrows():
    if r.Position < 15 or r.RSF <= 0:
        continue
    rows.append((el, typ, "core", float(r.Position), "BE", float(r.RSF), float(mg.get((el, typ), float("nan"))),
                 f"{SRC} {'A-ALSCOF' if el in missing else 'C-Al1486/C-Mg1253'}"))
aug = df[(df["Auger?"] == 1) & (df.Instrument == "C-Any") & (df["KE or BE"] == "KE")].dropna(subset=["Position"])
# elements with no "C-Any" Auger row: the series (kll, lmm, …) from another listing, e.g. Mg KLL
rest = df[(df["Auger?"] == 1) & (df["KE or BE"] == "KE") & df.Type.astype(str).str.fullmatch(r"[a-z]{3}")]
rest = rest[~rest.Element.isin(set(aug.Element))].dropna(subset=["Position"]).groupby(["Element", "Type"]).first()
aug = pd.concat([aug, rest.reset_index()])
for _, r in aug.iterrows():
    rows.append((r.Element, str(r.Type).upper(), "auger", float(r.Position), "KE", float("nan"), float("nan"),
                 f"{SRC} {r.Instrument}"))
rows.sort()
out = "src/sselab/xps/data/xps_lines.csv"
with open(out, "w", newline="") as fh:
    w = csv.writer(fh)
    w.writerow(["element", "line", "kind", "position_eV", "scale", "rsf_al_ka", "rsf_mg_ka", "source"])
    for row in rows:
        w.writerow([row[0], row[1], row[2], f"{row[3]:g}", row[4], "" if row[5] != row[5] else f"{row[5]:g}",
                    "" if row[6] != row[6] else f"{row[6]:g}", row[7]])
print(len(rows), "lines written to", out)
