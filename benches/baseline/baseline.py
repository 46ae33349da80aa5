#!/usr/bin/env python3
"""The baseline a user would otherwise run: the same workbook through pandas + openpyxl,
lifelines and scipy, with a Jinja2 HTML table of the results.

Usage: python3 benches/baseline/baseline.py WORKBOOK.xlsx [OUT.html]

It does the core statistical work of an mmreport run on a canonical workbook (the layout
`mmreport demo-data` writes), and nothing more:

- reads every sheet of the workbook (patients, treatment, assessments, adverse_events, labs)
  with pandas + openpyxl;
- joins patients and treatment on patient_id, keeps patients with an index date and a
  follow-up or death date (mmreport's analysis-set rule);
- Table 1: n, missing, mean, SD, median, quartiles, min, max and the Shapiro-Wilk test of
  every continuous baseline variable mmreport summarises;
- Kaplan-Meier PFS and OS (median with 95% CI) for all patients, by prior lines >= 3 and by
  cycles >= 3, with the log-rank test between the two groups; PFS events are progression or
  death (mmreport's default), times in months (days / 30.4375);
- one HTML page with these tables, rendered by Jinja2.

It does not validate cells, apply IMWG/CTCAE rules, derive responses, build ADaM datasets,
fit Cox models, tabulate adverse events or draw figures, all of which mmreport also does: the
ratio in benches/README.md is therefore a lower bound on mmreport's advantage.
"""

import sys
import time

import jinja2
import numpy as np
import pandas as pd
from lifelines import KaplanMeierFitter
from lifelines.statistics import logrank_test
from lifelines.utils import median_survival_times
from scipy import stats

DAYS_PER_MONTH = 30.4375
CONTINUOUS = [
    "age",
    "bm_plasma_cell_pct",
    "calcium",
    "creatinine",
    "beta2_microglobulin",
    "albumin",
    "ldh",
    "esr",
    "hemoglobin",
    "wbc",
    "platelets",
    "prior_lines",
]
DATES = [
    "index_date",
    "progression_date",
    "death_date",
    "last_followup_date",
]

TEMPLATE = jinja2.Template(
    """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body>
<h1>{{ title }}</h1>
<p>{{ n_read }} patients read, {{ n_analysed }} analysed.</p>
<h2>Table 1</h2>
<table>
<tr><th>variable</th><th>n</th><th>missing</th><th>mean (SD)</th><th>median [IQR]</th>
<th>range</th><th>Shapiro-Wilk W</th><th>p</th></tr>
{% for r in table1 %}<tr><td>{{ r.variable }}</td><td>{{ r.n }}</td><td>{{ r.missing }}</td>
<td>{{ "%.2f"|format(r.mean) }} ({{ "%.2f"|format(r.sd) }})</td>
<td>{{ "%.2f"|format(r.median) }} [{{ "%.2f"|format(r.q1) }}, {{ "%.2f"|format(r.q3) }}]</td>
<td>{{ "%.2f"|format(r.min) }} - {{ "%.2f"|format(r.max) }}</td>
<td>{{ "%.4f"|format(r.w) }}</td><td>{{ "%.4g"|format(r.p) }}</td></tr>
{% endfor %}</table>
<h2>Survival</h2>
<table>
<tr><th>analysis</th><th>group</th><th>n</th><th>events</th><th>median (months)</th>
<th>95% CI</th><th>log-rank p</th></tr>
{% for s in survival %}{% for g in s.groups %}<tr><td>{{ s.id }}</td><td>{{ g.label }}</td>
<td>{{ g.n }}</td><td>{{ g.events }}</td><td>{{ g.median }}</td><td>{{ g.ci }}</td>
<td>{% if loop.first and s.p is not none %}{{ "%.4g"|format(s.p) }}{% endif %}</td></tr>
{% endfor %}{% endfor %}</table>
</body></html>
""",
    autoescape=True,
)


def fmt(x):
    return "NR" if x is None or not np.isfinite(x) else f"{x:.1f}"


def km(time, event, label):
    f = KaplanMeierFitter().fit(time, event, label=label)
    ci = median_survival_times(f.confidence_interval_)
    lo, hi = (float(v) for v in np.asarray(ci).ravel()[:2])
    return {
        "label": label,
        "n": int(len(time)),
        "events": int(event.sum()),
        "median": fmt(float(f.median_survival_time_)),
        "ci": f"{fmt(lo)} - {fmt(hi)}",
    }


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: baseline.py WORKBOOK.xlsx [OUT.html]")
    path = sys.argv[1]
    out = sys.argv[2] if len(sys.argv) > 2 else None
    t0 = time.perf_counter()

    sheets = pd.read_excel(path, sheet_name=None, engine="openpyxl")
    t_read = time.perf_counter()
    patients = sheets["patients"]
    treatment = sheets["treatment"]
    # The long sheets are read (above) like mmreport reads them; the statistics here use the
    # patient-level sheets only.
    long_rows = sum(
        len(sheets[s]) for s in ("assessments", "adverse_events", "labs") if s in sheets
    )

    df = patients.merge(treatment, on="patient_id", how="left", suffixes=("", "_t"))
    for c in DATES:
        df[c] = pd.to_datetime(df[c], errors="coerce")
    for c in CONTINUOUS + ["cycles_completed"]:
        df[c] = pd.to_numeric(df[c], errors="coerce")
    n_read = len(df)
    df = df[
        df["patient_id"].notna()
        & df["index_date"].notna()
        & (df["last_followup_date"].notna() | df["death_date"].notna())
    ].copy()

    # Table 1.
    table1 = []
    for c in CONTINUOUS:
        x = df[c].dropna().to_numpy(dtype=float)
        if len(x) == 0:
            continue
        w, p = stats.shapiro(x) if len(x) >= 3 else (float("nan"), float("nan"))
        q1, med, q3 = np.percentile(x, [25, 50, 75])
        table1.append(
            dict(
                variable=c,
                n=len(x),
                missing=int(len(df) - len(x)),
                mean=x.mean(),
                sd=x.std(ddof=1) if len(x) > 1 else float("nan"),
                median=med,
                q1=q1,
                q3=q3,
                min=x.min(),
                max=x.max(),
                w=w,
                p=p,
            )
        )

    # Endpoints (months from the index date).
    end = df["death_date"].fillna(df["last_followup_date"])
    os_event = df["death_date"].notna().to_numpy()
    os_time = ((end - df["index_date"]).dt.days / DAYS_PER_MONTH).to_numpy()
    first_event = df[["progression_date", "death_date"]].min(axis=1)
    pfs_event = first_event.notna().to_numpy()
    pfs_end = first_event.fillna(df["last_followup_date"])
    pfs_time = ((pfs_end - df["index_date"]).dt.days / DAYS_PER_MONTH).to_numpy()

    groupings = {
        "prior_lines": (df["prior_lines"] >= 3).to_numpy(),
        "cycles": (df["cycles_completed"] >= 3).to_numpy(),
    }
    labels = {"prior_lines": (">= 3 lines", "1-2 lines"), "cycles": (">= 3 cycles", "1-2 cycles")}
    survival = []
    for name, t, e in (("pfs", pfs_time, pfs_event), ("os", os_time, os_event)):
        survival.append({"id": name, "groups": [km(t, e, "all")], "p": None})
        for g, mask in groupings.items():
            yes, no = labels[g]
            groups = [km(t[mask], e[mask], yes), km(t[~mask], e[~mask], no)]
            p = logrank_test(t[mask], t[~mask], e[mask], e[~mask]).p_value
            survival.append({"id": f"{name}_by_{g}", "groups": groups, "p": float(p)})

    html = TEMPLATE.render(
        title="Bendamustine combination chemotherapy in RRMM (Python baseline)",
        n_read=n_read,
        n_analysed=len(df),
        table1=table1,
        survival=survival,
    )
    if out:
        with open(out, "w", encoding="utf-8") as f:
            f.write(html)
    t1 = time.perf_counter()
    print(
        f"{n_read} patients, {long_rows} long rows: read {t_read - t0:.2f} s, "
        f"analyse + render {t1 - t_read:.2f} s, total {t1 - t0:.2f} s"
    )


if __name__ == "__main__":
    main()
