"""Build src/sselab/xps/data/rsf_scofield_al_ka.csv from the KherveFitting library workbook.

Source: KherveFitting/KherveFitting @ 8911c999742cbee3e523f88b8452aa63de31d9ce, file
KherveFitting_library.xlsx, sheet "Library": CasaXPS's Scofield element library for Al Ka
(rows "A-ALSCOF") and the same cross-sections listed per instrument (rows "C-Al1486").
A value is kept only when both listings agree within 0.5 % (two listings of one file, so this
catches transcription slips, not errors of the original); the C-Al1486 value is written.
Usage: python scripts/build_rsf_library.py KherveFitting_library.xlsx
"""

import csv
import sys

import pandas as pd

COMMIT = "8911c999742cbee3e523f88b8452aa63de31d9ce"
df = pd.read_excel(sys.argv[1], sheet_name="Library")
df = df[(df["Auger?"] == 0) & (df["KE or BE"] == "BE")]
als = df[df.Instrument == "A-ALSCOF"].groupby(["Element", "Type"])["RSF"].apply(lambda s: sorted(set(s.dropna())))
c = df[df.Instrument == "C-Al1486"].dropna(subset=["RSF"]).groupby(["Element", "Type"])["RSF"].first()
rows = []
for (el, typ), v in c.items():
    alt = als.get((el, typ), [])
    if any(abs(a - v) <= 0.005 * v for a in alt) and v > 0:
        rows.append((el, typ, float(v)))
rows.sort()
out = "src/sselab/xps/data/rsf_scofield_al_ka.csv"
with open(out, "w", newline="") as fh:
    w = csv.writer(fh)
    w.writerow(["element", "line", "rsf", "source"])
    for el, typ, v in rows:
        w.writerow([el, typ, f"{v:g}", f"Scofield 1976 Al Ka, C 1s = 1 (CasaXPS ALSCOF); KherveFitting@{COMMIT[:8]}:"
                    "KherveFitting_library.xlsx rows A-ALSCOF = C-Al1486"])
print(len(rows), "lines written to", out)
