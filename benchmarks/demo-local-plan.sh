#!/usr/bin/env bash
# The demo contract's local plan over the demo's own table (one hospital's `admissions`, as
# `covenant demo` writes it) beside sqlite3's plain GROUP BY of the same aggregates, in one script
# (issue 12: "on the demo's table"; nothing asserts on it).
#
#   benchmarks/demo-local-plan.sh [ROWS] [OUTPUT.json]     (default 1000000 rows, stdout)
#
# Builds the release `_DataSourcesBenchmark` (the default release build; BUILD=0 reuses it),
# which writes the table with DemoData (seeded) into a temporary directory and times the plan by
# pushdown (best of 3, validation included: dates, decimals, the null costs, the filters); then
# times the sqlite3 CLI running the engine's own plain GROUP BY of the same filters, clips and
# aggregates over the same file (best of 3, `.timer on`), and writes both and their ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
source benchmarks/engine-timing.sh
rows="${1:-1000000}"
output="${2:-}"
command -v sqlite3 >/dev/null || { echo "the sqlite3 CLI is missing (Debian: apt-get install sqlite3)" >&2; exit 1; }
dir="$(mktemp -d /tmp/covenant-bench-demo.XXXXXX)"
trap 'rm -rf "$dir"' EXIT
if [ "${BUILD:-1}" = 1 ]; then swift build -c release --product _DataSourcesBenchmark >&2; fi
plan="$("$(swift build -c release --show-bin-path)/_DataSourcesBenchmark" sqlite-demo "$rows" "$dir")"
database="$dir/demo-admissions-$rows.sqlite"
# The demo contract's aggregates per ward: count, sums and sums of squares of the clipped stays and
# costs (costs may be null: counted apart), readmissions, and the age histogram's four buckets.
plain_sql="$(cat <<'SQL'
SELECT ward, count(*), sum(s), sum(s * s), count(c), sum(c), sum(c * c), sum(r),
       sum(age >= 0 AND age < 18), sum(age >= 18 AND age < 40), sum(age >= 40 AND age < 65), sum(age >= 65 AND age < 120)
FROM (SELECT ward, age, min(max(stay_days, 0), 365) AS s, min(max(cost, 0), 250000) AS c, min(max(readmitted, 0), 1) AS r
      FROM admissions
      WHERE admitted_on >= '2024-01-01' AND age >= 0
        AND ward IN ('cardiology', 'emergency', 'oncology', 'pediatrics', 'transplant'))
GROUP BY ward
SQL
)"
sqlite3_best "$database" "$plain_sql"
version="$(sqlite3 --version | cut -d' ' -f1)"
json="$(python3 - "$rows" "$best" "$version" "$plan" "$best_cpu" <<'PY'
import json, sys, datetime
rows, best, version, plan, best_cpu = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3], json.loads(sys.argv[4]), float(sys.argv[5])
for figure in plan:
    figure["ratioToSqlite3"] = figure["seconds"] / best
    if figure.get("cpuSeconds"):
        figure["cpuRatioToSqlite3"] = figure["cpuSeconds"] / best_cpu
print(json.dumps({
    "date": datetime.date.today().isoformat(),
    "command": f"benchmarks/demo-local-plan.sh {rows} benchmarks/results/demo-local-plan-DATE.json",
    "rows": rows,
    "table": "the demo's admissions table (DemoData.writeHospital, seed 20241125) and the hospital_activity contract",
    "engine": f"SQLite {version} (the sqlite3 CLI and the library Covenant links), a file in /tmp",
    "sqlite3PlainGroupBy": {"seconds": best, "cpuSeconds": best_cpu, "rowsPerSecond": rows / best,
                            "query": "per ward: count, sums and sums of squares of the clipped stays and costs, readmissions, 4 age buckets, with the contract's filters"},
    "figures": plan,
    "notes": "Wall clock, best of 3 (cpuSeconds: user + system CPU of that run); the plan's figures include opening the "
             "database, validation (text, dates, decimals, nulls) and exact integer arithmetic, sqlite3's only its query "
             "in its own REAL arithmetic. One core of a shared 2-core Linux VM.",
}, indent=2, sort_keys=True))
PY
)"
if [ -n "$output" ]; then printf '%s\n' "$json" > "$output"; else printf '%s\n' "$json"; fi
