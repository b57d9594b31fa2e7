#!/usr/bin/env bash
# The local plan over a SQLite table beside SQLite's own plain GROUP BY of the same aggregates,
# run by the sqlite3 CLI, in one script (issue 12's performance figure; nothing asserts on it).
#
#   benchmarks/sqlite-local-plan.sh [ROWS] [OUTPUT.json]     (default 1000000 rows, stdout)
#
# Builds the release `_DataSourcesBenchmark` (scratch path .build-data-release), which generates
# `employees(dept TEXT, age INTEGER, salary REAL)` with ROWS seeded rows into a temporary
# directory, prints the pushed-down SQL to standard error and times the plan by pushdown (best of
# 3, validation included; wall clock and the process's CPU time); then times the sqlite3 CLI
# running LocalPlanBenchmark.plainSQLiteQuery over the same file (best of 3, `.timer on`: wall
# clock, and user + system CPU of that run), and writes both and their ratios.
# Set ROW_PIPELINE=1 to time the row pipeline too (about 10 s per 10^6 rows, three times), BUILD=0
# to reuse the binary already built.
set -euo pipefail
cd "$(dirname "$0")/.."
source benchmarks/engine-timing.sh
rows="${1:-1000000}"
output="${2:-}"
command -v sqlite3 >/dev/null || { echo "the sqlite3 CLI is missing (Debian: apt-get install sqlite3)" >&2; exit 1; }
dir="$(mktemp -d /tmp/covenant-bench-sqlite.XXXXXX)"
trap 'rm -rf "$dir"' EXIT
if [ "${BUILD:-1}" = 1 ]; then swift build -c release --scratch-path .build-data-release --product _DataSourcesBenchmark >&2; fi
extra=()
if [ "${ROW_PIPELINE:-0}" = 1 ]; then extra+=(--row-pipeline); fi
plan="$(.build-data-release/release/_DataSourcesBenchmark sqlite "$rows" "$dir" "${extra[@]}")"
database="$dir/datasources-bench-$rows.sqlite"
plain_sql="$(cat <<'SQL'
SELECT dept, b, count(*), sum(s), sum(s * s), max(s) FROM (
  SELECT dept, min(max(salary, 0), 300000) AS s,
         min(99, max(0, CAST(min(max(salary, 0), 300000) * 100 / 300000 AS INTEGER))) AS b
  FROM employees WHERE salary > 0 AND age >= 18 AND dept IN ('eng', 'ops', 'sales'))
GROUP BY dept, b
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
    "command": f"benchmarks/sqlite-local-plan.sh {rows} benchmarks/results/sqlite-local-plan-DATE.json",
    "rows": rows,
    "engine": f"SQLite {version} (the sqlite3 CLI and the library Covenant links), a file in /tmp",
    "sqlite3PlainGroupBy": {"seconds": best, "cpuSeconds": best_cpu, "rowsPerSecond": rows / best,
                            "query": "LocalPlanBenchmark.plainSQLiteQuery: filters, clip, 100-bucket grid as GROUP BY column, count/sum/sum of squares/max (sqlite3's own REAL arithmetic)"},
    "figures": plan,
    "notes": "Wall clock, best of 3 (cpuSeconds: user + system CPU of that run); the plan's figures include opening "
             "the database, validation and exact integer arithmetic, sqlite3's only its query. One core of a shared "
             "2-core Linux VM.",
}, indent=2, sort_keys=True))
PY
)"
if [ -n "$output" ]; then printf '%s\n' "$json" > "$output"; else printf '%s\n' "$json"; fi
