#!/usr/bin/env python3
"""Computes examples/contracts/*/expected.json independently of the Swift oracle.

Each example is hand-translated from its contract.cov using the definitions of
protocols/contract-language.md §6.3 and §8.3 (sample variance, grid quantiles, ...).
Run once after changing data: python3 expected.py
"""
import csv, json, math, statistics, datetime
from decimal import Decimal
from fractions import Fraction

def load(example, members):
    rows = []
    for m in members:
        with open(f"{example}/member-{m}.csv") as f:
            rows += list(csv.DictReader(f))
    return rows

def num(s):
    return None if s == "" else Decimal(s)

def date(s):
    return None if s == "" else datetime.date.fromisoformat(s)

def boolean(s):
    return None if s == "" else s == "true"

def clip(x, lo, hi):
    return None if x is None else min(max(x, Decimal(lo)), Decimal(hi))

def mean(xs):
    return float(sum(Fraction(x) for x in xs) / len(xs)) if xs else None

def var(xs):
    return float(statistics.variance([Fraction(x) for x in xs])) if len(xs) >= 2 else None

def sd(xs):
    v = var(xs)
    return None if v is None else math.sqrt(v)

def grid_quantile(xs, p, lo, hi, buckets):
    """k-th smallest, k = max(1, ceil(p n)), reported as its bucket's midpoint."""
    if not xs:
        return None
    xs = sorted(xs)
    k = max(1, math.ceil(Fraction(p) * len(xs)))
    v = Fraction(xs[k - 1])
    lo, hi = Fraction(lo), Fraction(hi)
    j = min(buckets - 1, math.floor((v - lo) * buckets / (hi - lo)))
    return float(lo + (j + Fraction(1, 2)) * (hi - lo) / buckets)

def hist(xs, edges):
    bins = [0] * (len(edges) - 1)
    for x in xs:
        if x < edges[0] or x > edges[-1]:
            continue
        i = max(i for i in range(len(edges) - 1) if x >= edges[i])
        bins[i] += 1
    return bins

def dec(x):
    return None if x is None else float(x)

def write(example, version, groups):
    out = {"contract": example, "version": version, "groups": groups}
    with open(f"{example}/expected.json", "w") as f:
        json.dump(out, f, indent=2)
        f.write("\n")

def group(key, outputs, suppressed=False):
    g = {"key": key, "suppressed": suppressed}
    if not suppressed:
        g["outputs"] = outputs
    return g

# salary_benchmark
rows = load("salary_benchmark", "abc")
kept = []
for r in rows:
    salary, age = num(r["salary"]), int(r["age"])
    if not (salary > 0 and age >= 18) or r["dept"] == "":
        continue
    kept.append((r["dept"], clip(salary, 0, 300000)))
groups = []
for dept in ["eng", "ops", "sales"]:
    xs = [s for d, s in kept if d == dept]
    groups.append(group({"dept": dept}, {
        "n": len(xs), "avg": mean(xs), "sd": sd(xs), "top": dec(max(xs)) if xs else None,
        "p50": grid_quantile(xs, Fraction(1, 2), 0, 300000, 100)}, suppressed=len(xs) < 4))
write("salary_benchmark", 2, groups)

# hospital_length_of_stay
rows = load("hospital_length_of_stay", "ab")
kept = []
for r in rows:
    los = None if r["los_days"] == "" else int(r["los_days"])
    if los is None or not (0 <= los <= 365):
        continue
    if r["ward"] not in ("cardiology", "oncology", "surgery"):
        continue
    d = date(r["admitted"])
    quarter = datetime.date(d.year, (d.month - 1) // 3 * 3 + 1, 1)
    kept.append((r["ward"], quarter, min(max(los, 0), 30)))
groups = []
for ward in ["cardiology", "oncology", "surgery"]:
    for q in [datetime.date(2024, 1, 1), datetime.date(2024, 4, 1)]:
        xs = [l for w, qq, l in kept if w == ward and qq == q]
        groups.append(group({"ward": ward, "admitted": q.isoformat()}, {
            "stays": len(xs), "mean_los": mean(xs), "var_los": var(xs),
            "p90_los": grid_quantile(xs, Fraction(9, 10), 0, 30, 30),
            "los_hist": hist(xs, [0, 2, 5, 10, 30]), "longest": max(xs) if xs else None}))
write("hospital_length_of_stay", 1, groups)

# fraud_rates
rows = load("fraud_rates", "abc")
mapping = {"card_present": "card", "card_not_present": "online", "ecommerce": "online",
           "swift": "wire", "sepa": "wire"}
kept = []
for r in rows:
    fraud, amount, booked = int(r["fraud"]), num(r["amount"]), date(r["booked"])
    if fraud not in (0, 1) or not amount > 0:
        continue
    if booked is None or booked < datetime.date(2024, 1, 1):   # not(null) is unknown: dropped
        continue
    kept.append((mapping.get(r["bank_channel"], "other"), amount, fraud))
groups = []
for ch in ["card", "online", "wire", "other"]:
    sel = [(a, f) for c, a, f in kept if c == ch]
    n = len(sel)
    frauds = sum(f for _, f in sel)
    rate = frauds / n if n else None
    groups.append(group({"bank_channel": ch}, {
        "n": n, "frauds": frauds, "fraud_rate": rate, "fraud_per_k": None if rate is None else rate * 1000,
        "volume": float(sum(a for a, _ in sel))}, suppressed=n < 3))
write("fraud_rates", 3, groups)

# spend_regression
rows = load("spend_regression", "abc")
pairs = []
for r in rows:
    inc, sp = num(r["income"]), num(r["spend"])
    if inc is None or sp is None:
        continue
    pairs.append((Fraction(clip(inc, 0, 20000)), Fraction(clip(sp, 0, 10000))))
n = len(pairs)
mx = sum(x for x, _ in pairs) / n
my = sum(y for _, y in pairs) / n
sxy = sum((x - mx) * (y - my) for x, y in pairs)
sxx = sum((x - mx) ** 2 for x, _ in pairs)
syy = sum((y - my) ** 2 for _, y in pairs)
b1 = sxy / sxx
r = float(sxy) / math.sqrt(float(sxx) * float(syy))
write("spend_regression", 1, [group({}, {
    "n": n, "b1": float(b1), "b0": float(my - b1 * mx), "r": r, "r2": r * r, "cov": float(sxy / (n - 1))})])

# loan_defaults_by_age
rows = load("loan_defaults_by_age", "abc")
labels = ["(-inf,25)", "[25,40)", "[40,60)", "[60,+inf)"]
def band(age):
    return labels[sum(1 for e in (25, 40, 60) if age >= e)]
kept = []
for r in rows:
    age, d = int(r["age"]), int(r["defaulted"])
    if age < 18 or d not in (0, 1):
        continue
    kept.append((band(age), clip(num(r["amount"]), 0, 50000), d))
groups = []
for b in labels:
    sel = [(a, d) for bb, a, d in kept if bb == b]
    n = len(sel)
    groups.append(group({"age": b}, {
        "n": n, "defaults": sum(d for _, d in sel), "default_rate": sum(d for _, d in sel) / n if n else None,
        "avg_amount": mean([a for a, _ in sel]), "smallest": dec(min(a for a, _ in sel)) if sel else None},
        suppressed=n < 3))
write("loan_defaults_by_age", 1, groups)

# energy_usage
rows = load("energy_usage", "ab")
kept = []
for r in rows:
    kwh = int(r["kwh"])
    if kwh < 0:
        continue
    d = date(r["read_on"])
    kept.append((datetime.date(d.year, (d.month - 1) // 3 * 3 + 1, 1), r["tariff"], min(kwh, 5000), boolean(r["smart"])))
groups = []
for q in [datetime.date(2024, 1, 1), datetime.date(2024, 4, 1)]:
    for t in ["day", "night"]:
        sel = [(k, s) for qq, tt, k, s in kept if qq == q and tt == t]
        total = sum(k for k, _ in sel)
        groups.append(group({"read_on": q.isoformat(), "tariff": t}, {
            "readings": len(sel), "total_kwh": total, "usage": hist([k for k, _ in sel], [0, 500, 1000, 2000, 5000]),
            "per_1000": total * 1000, "smart_n": sum(1 for _, s in sel if s is not None)}))
write("energy_usage", 1, groups)

# pharmacy_sales
rows = load("pharmacy_sales", "ab")
kept = []
for r in rows:
    units, price, generic = int(r["units"]), num(r["unit_price"]), boolean(r["generic"])
    # units > 0 and (generic or unit_price < 20), three-valued: unknown drops the row
    cheap = price < 20
    either = True if (generic is True or cheap) else (None if generic is None else False)
    if not (units > 0 and either is True):
        continue
    kept.append((r["postcode"][:2], date(r["sold_on"]), units, price, generic))
groups = []
for pc in ["AB", "CD", "EF"]:
    for g in [False, True]:
        sel = [(d, u, p) for c, d, u, p, gg in kept if c == pc and gg is g]
        prices = [p for _, _, p in sel]
        s, m = sd(prices), mean(prices)
        groups.append(group({"postcode": pc, "generic": g}, {
            "n": len(sel), "units_sum": sum(u for _, u, _ in sel),
            "first": min(d for d, _, _ in sel).isoformat() if sel else None,
            "last": max(d for d, _, _ in sel).isoformat() if sel else None,
            "price_sd": s, "price_avg": m, "spread": None if s is None or not m else s / m}))
write("pharmacy_sales", 1, groups)

# emergency_waits: exact quantiles, straight from Python's statistics
def exact_quantile(xs, p, method):
    if not xs:
        return None
    if method == "inverted_cdf":
        return float(sorted(xs)[max(1, math.ceil(p * len(xs))) - 1])
    if len(xs) == 1:
        return float(xs[0])
    return float(statistics.quantiles(xs, n=p.denominator, method=method)[p.numerator - 1])

rows = load("emergency_waits", "abc")
kept = [(int(r["triage"]), num(r["wait_min"])) for r in rows if int(r["triage"]) in (1, 2, 3, 4)]
groups = []
for t in [1, 2, 3, 4]:
    xs = [clip(w, 0, 60) for tt, w in kept if tt == t and w is not None]
    n = sum(1 for tt, _ in kept if tt == t)
    groups.append(group({"triage": t}, {
        "visits": n,
        "median_wait": float(statistics.median(xs)) if xs else None,
        "p90_wait": exact_quantile(xs, Fraction(9, 10), "exclusive"),
        "p10_wait": exact_quantile(xs, Fraction(1, 10), "inclusive"),
        "p75_wait": exact_quantile(xs, Fraction(3, 4), "inverted_cdf"),
        "longest": dec(max(xs)) if xs else None}, suppressed=n < 5))
write("emergency_waits", 1, groups)
