#!/usr/bin/env python3
"""Independent reference values for the exact quantiles of protocols/contract-language.md §8.3.

Writes protocols/contract-language/vectors/v1/quantiles.json from Python's `statistics` module.

The reference for the exact quantile methods of protocols/contract-language.md §8.3, independent
of the Swift code: `exclusive` and `inclusive` are `statistics.quantiles(data, n=D, method=...)`
at cut point P of p = P/D (and `statistics.median` at 0.5, checked to agree); `inverted_cdf` is
the k-th smallest value, k = max(1, ceil(p n)) (R type 1), computed here from its definition.
Python before 3.13 refuses one data point; Python 3.13 returns that point, as Covenant does, so
the script writes it. Seeded and deterministic; no third-party packages.
"""
import json, math, pathlib, random, statistics
from decimal import Decimal
from fractions import Fraction

PROBABILITIES = ["0.5", "0.9", "0.1", "0.25", "0.75", "0.01", "0.99", "0.333"]
METHODS = ["exclusive", "inclusive", "inverted_cdf"]
OUT = pathlib.Path(__file__).resolve().parents[1] / "contract-language/vectors/v1"


def reference(values, p, method):
    if not values:
        return None
    data = sorted(values)
    fraction = Fraction(p)
    if method == "inverted_cdf":
        return float(data[max(1, math.ceil(fraction * len(data))) - 1])
    if len(data) == 1:
        return float(data[0])
    cut = statistics.quantiles(data, n=fraction.denominator, method=method)[fraction.numerator - 1]
    if fraction == Fraction(1, 2):
        assert cut == statistics.median(data), (cut, statistics.median(data))
    return float(cut)


def case(name, column_type, low, high, members):
    clipped = []
    for member in members:
        for text in member:
            if text != "":
                clipped.append(min(max(Decimal(text), Decimal(low)), Decimal(high)))
    queries = [
        {"p": p, "method": m, "expected": reference(clipped, p, m)}
        for p in PROBABILITIES for m in METHODS
    ]
    return {"name": name, "type": column_type, "low": low, "high": high, "members": members, "queries": queries}


def draw(rng, count, low, high, scale, nulls=0.1, spread=0):
    values = []
    for _ in range(count):
        if rng.random() < nulls:
            values.append("")
            continue
        units = rng.randint((low - spread) * 10**scale, (high + spread) * 10**scale)
        values.append(str(Decimal(units).scaleb(-scale)) if scale else str(units))
    return values


def main():
    rng = random.Random(20261205)
    cases = []
    for i in range(6):
        members = [draw(rng, rng.randint(1, 40), 0, 30, 0, spread=3) for _ in range(3)]
        cases.append(case(f"int-random-{i}", "int", "0", "30", members))
    for i in range(6):
        members = [draw(rng, rng.randint(5, 80), 0, 60, 1, spread=2) for _ in range(3)]
        cases.append(case(f"decimal-random-{i}", "decimal(1)", "0", "60", members))
    # Heavy ties: few distinct values.
    members = [[str(rng.choice([3, 3, 3, 7, 7, 12])) for _ in range(25)] for _ in range(3)]
    cases.append(case("ties", "int", "0", "30", members))
    cases.append(case("all-equal", "decimal(1)", "0", "60", [["12.5"] * 4, ["12.5"] * 3, ["12.5"]]))
    cases.append(case("two-values", "int", "0", "30", [["4"], [], ["29"]]))
    cases.append(case("three-values", "decimal(1)", "0", "60", [["0.1"], ["59.9"], ["30.0"]]))
    cases.append(case("one-value", "int", "0", "30", [["17"], [""], []]))
    cases.append(case("no-values", "int", "0", "30", [[""], [], [""]]))
    cases.append(case("at-the-bounds", "int", "-50", "50", [["-80", "-50", "50"], ["90", "-51"], ["0", "51"]]))
    members = [draw(rng, rng.randint(10, 30), -50, 50, 0, nulls=0) for _ in range(3)]
    cases.append(case("negative-range", "int", "-50", "50", members))
    OUT.mkdir(parents=True, exist_ok=True)
    with open(OUT / "quantiles.json", "w") as f:
        json.dump({"algorithm": "quantile", "source": "Python statistics (protocols/tools/quantile_vectors.py)",
                   "cases": cases}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
