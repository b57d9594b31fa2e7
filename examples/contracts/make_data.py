#!/usr/bin/env python3
"""Generates the small member CSV files of the example contracts (run once; seeded)."""
import csv, random, datetime

def write(path, header, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for r in rows:
            w.writerow(["" if v is None else v for v in r])

def money(x):
    return f"{x:.2f}"

rng = random.Random(20241125)

# salary_benchmark: 3 employers
base = {"eng": 95000, "ops": 62000, "sales": 70000}
for m, n in zip("abc", (11, 9, 10)):
    rows = []
    for i in range(n):
        dept = rng.choice(["eng", "eng", "ops", "ops", "hr"])
        if m == "c" and i < 2:
            dept = "sales"
        age = rng.randint(19, 64)
        salary = base.get(dept, 50000) + rng.randint(-20000, 25000) + rng.randint(0, 99) / 100
        rows.append([dept, age, money(salary)])
    rows.append(["eng", 17, "21000.00"])       # under 18: filtered
    rows.append(["ops", 40, "0.00"])           # zero salary: filtered
    rows.append([None, 35, "88000.00"])        # no department: filtered
    if m == "a":
        rows.append(["eng", 50, "412000.50"])  # clipped to 300000
    write(f"salary_benchmark/member-{m}.csv", ["dept", "age", "salary"], rows)

# hospital_length_of_stay: 2 hospitals
for m, n in zip("ab", (14, 12)):
    rows = []
    for i in range(n):
        ward = rng.choice(["cardiology", "oncology", "surgery"])
        day = datetime.date(2024, 1, 1) + datetime.timedelta(days=rng.randint(0, 180))
        los = rng.choice([0, 1, 2, 3, 4, 5, 6, 8, 11, 15, 22, 40])
        rows.append([ward, day.isoformat(), los, rng.randint(20, 90), rng.choice(["true", "false"])])
    rows.append(["pediatrics", "2024-02-03", 3, 7, "false"])     # other ward: filtered
    rows.append(["surgery", "2024-03-01", None, 55, "true"])     # unknown stay: filtered
    rows.append(["oncology", "2023-12-30", 4, 61, "false"])      # Q4 2023: outside the domain
    rows.append(["cardiology", "2024-05-05", 400, 70, "true"])   # implausible: filtered
    write(f"hospital_length_of_stay/member-{m}.csv", ["ward", "admitted", "los_days", "age", "readmitted"], rows)

# fraud_rates: 3 banks
channels = ["card_present", "card_not_present", "ecommerce", "swift", "sepa", "cheque"]
for m, n in zip("abc", (12, 10, 11)):
    rows = []
    for i in range(n):
        ch = rng.choice(channels)
        amount = rng.randint(100, 500000) / 100
        fraud = 1 if rng.random() < 0.25 else 0
        day = datetime.date(2024, 1, 1) + datetime.timedelta(days=rng.randint(0, 300))
        rows.append([ch, money(amount), fraud, day.isoformat()])
    rows.append(["swift", "1200.00", 2, "2024-03-03"])     # bad flag: filtered
    rows.append(["sepa", "55.00", 0, None])                # no booking date: filtered
    rows.append(["ecommerce", "19.99", 1, "2023-12-31"])   # before 2024: filtered
    write(f"fraud_rates/member-{m}.csv", ["bank_channel", "amount", "fraud", "booked"], rows)

# spend_regression: 3 retailers
for m, n in zip("abc", (9, 8, 10)):
    rows = []
    for i in range(n):
        income = rng.randint(150000, 1200000) / 100
        spend = max(0.0, 200 + 0.35 * income + rng.gauss(0, 400))
        rows.append([money(income), money(round(spend, 2)), rng.choice(["north", "south"])])
    rows.append([None, "100.00", "north"])   # missing income: filtered
    write(f"spend_regression/member-{m}.csv", ["income", "spend", "region"], rows)

# loan_defaults_by_age: 3 lenders
for m, n in zip("abc", (10, 9, 10)):
    rows = []
    for i in range(n):
        age = rng.choice([26, 31, 35, 39, 41, 44, 52, 58, 61, 67, 72])
        amount = rng.randint(50000, 6000000) / 100
        rows.append([age, money(amount), 1 if rng.random() < 0.2 else 0])
    if m != "c":
        rows.append([22, "3000.00", 1])       # youngest band: 2 rows only, suppressed
    rows.append([16, "1000.00", 0])           # minor: filtered
    write(f"loan_defaults_by_age/member-{m}.csv", ["age", "amount", "defaulted"], rows)

# energy_usage: 2 utilities
for m, n in zip("ab", (12, 12)):
    rows = []
    for i in range(n):
        day = datetime.date(2024, 1, 1) + datetime.timedelta(days=rng.randint(0, 181))
        kwh = rng.choice([120, 340, 480, 510, 760, 999, 1000, 1500, 2400, 4800, 6200])
        smart = rng.choice(["true", "false", None])
        rows.append([day.isoformat(), kwh, rng.choice(["day", "night"]), smart])
    rows.append(["2024-02-02", -5, "day", "true"])       # negative reading: filtered
    rows.append(["2024-08-01", 300, "night", "false"])   # Q3: outside the domain
    write(f"energy_usage/member-{m}.csv", ["read_on", "kwh", "tariff", "smart"], rows)

# pharmacy_sales: 2 chains
for m, n in zip("ab", (12, 11)):
    rows = []
    for i in range(n):
        pc = rng.choice(["AB1 2CD", "AB9 9ZZ", "CD4 5EF", "CD7 1AA", "EF2 3GH", "GH5 6JK"])
        day = datetime.date(2024, 1, 1) + datetime.timedelta(days=rng.randint(0, 365))
        units = rng.randint(1, 40)
        price = rng.randint(250, 3500) / 100
        generic = rng.choice(["true", "false", "false", None])
        rows.append([pc, day.isoformat(), units, money(price), generic])
    rows.append(["AB1 1AA", "2024-06-01", 0, "5.00", "true"])   # no units: filtered
    write(f"pharmacy_sales/member-{m}.csv", ["postcode", "sold_on", "units", "unit_price", "generic"], rows)

# emergency_waits: 3 hospitals (their own generator, so the files above stay as they are)
waits = random.Random(20261205)
for m, n in zip("abc", (40, 34, 37)):
    rows = []
    for i in range(n):
        triage = waits.choice([2, 2, 3, 3, 3, 4])
        scale = {2: 12, 3: 20, 4: 30}[triage]
        wait = round(min(75.0, waits.expovariate(1 / scale)), 1)
        if waits.random() < 0.3:
            wait = round(wait)                   # many waits are logged in whole minutes: ties
        rows.append([triage, f"{wait:.1f}", "true" if waits.random() < 0.05 else "false"])
    if m != "c":
        rows.append([1, f"{waits.randint(0, 30) / 10:.1f}", "false"])   # triage 1: 2 visits, suppressed
    rows.append([5, "3.0", "false"])             # triage 5: outside the domain
    rows.append([3, "", "true"])                 # no wait recorded: counted, not in the quantiles
    write(f"emergency_waits/member-{m}.csv", ["triage", "wait_min", "left_unseen"], rows)
