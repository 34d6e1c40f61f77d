"""Write src/sselab/eds/data/xray_lines.csv from eXSpy's element database (run once, by hand).

Energies: Chantler et al. (2005), X-Ray Form Factor, Attenuation and Scattering Tables v2.1,
NIST, doi:10.18434/T4HS32.  Relative line weights within a family (K, L, M): NIST EPQ library
(the basis of DTSA-II).  Both as tabulated in eXSpy 0.3.2 (``exspy._misc.elements``); this
script only reformats them.  sselab does not import eXSpy.
"""

from pathlib import Path

from exspy._misc.elements import elements

out = Path(__file__).resolve().parents[1] / "src/sselab/eds/data/xray_lines.csv"
rows = []
for sym, props in elements.items():
    z = props["General_properties"]["Z"]
    a = props["General_properties"]["atomic_weight"]
    lines = props.get("Atomic_properties", {}).get("Xray_lines", {})
    for line, d in lines.items():
        rows.append((z, sym, a, line, d["energy (keV)"], d["weight"]))
rows.sort()
with open(out, "w") as fh:
    fh.write("# X-ray emission lines. energy_keV: Chantler et al. 2005, NIST X-Ray Form Factor, Attenuation\n")
    fh.write("# and Scattering Tables v2.1, doi:10.18434/T4HS32. weight: relative weight within the K, L or M\n")
    fh.write("# family, NIST EPQ library (DTSA-II). Both as tabulated in eXSpy 0.3.2; written by scripts/make_xray_lines.py\n")
    fh.write("Z,element,atomic_weight,line,energy_keV,weight\n")
    for z, sym, a, line, e, w in rows:
        fh.write(f"{z},{sym},{a},{line},{e},{w}\n")
print(len(rows), "lines ->", out)
