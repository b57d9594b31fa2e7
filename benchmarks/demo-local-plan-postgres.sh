#!/usr/bin/env bash
# The demo contract's local plan over the demo's own table in PostgreSQL, beside psql running the
# engine's plain GROUP BY of the same aggregates, in one script (issue 12; nothing asserts on it).
#
#   benchmarks/demo-local-plan-postgres.sh [ROWS] [OUTPUT.json]     (default 1000000 rows, stdout)
#
# Starts a throwaway cluster (scripts/test-postgres, stopped on exit), has the release
# `_DataSourcesBenchmark` write the demo's table (DemoData, seeded, as benchmarks/demo-local-plan.sh
# does for SQLite), copies it into `admissions_bench (ward text, admitted_on date, age integer,
# stay_days integer, cost numeric(12,2), readmitted integer)`, times the plan by pushdown (best of 3,
# connection, catalog check and validation included), then psql's plain query (best of 3,
# `\timing`), and writes both and their ratio, with the plan PostgreSQL chose for each (from
# auto_explain in the server's log, no ANALYZE: both run under the same server settings, parallel
# workers allowed as the defaults allow them); then both again with the server's
# max_parallel_workers_per_gather set to 0 (`serial`: the per-row cost alone, one process each).
# BUILD=0 reuses the release binary.
set -euo pipefail
cd "$(dirname "$0")/.."
source benchmarks/engine-timing.sh
rows="${1:-1000000}"
output="${2:-}"
command -v sqlite3 >/dev/null || { echo "the sqlite3 CLI is missing (Debian: apt-get install sqlite3)" >&2; exit 1; }
dir="$(mktemp -d /tmp/covenant-bench-demo-pg.XXXXXX)"
trap 'scripts/test-postgres stop "$dir/cluster" || true; rm -rf "$dir"' EXIT
if [ "${BUILD:-1}" = 1 ]; then swift build -c release --product _DataSourcesBenchmark >&2; fi
bench="$(swift build -c release --show-bin-path)/_DataSourcesBenchmark"
database="$("$bench" demo-table "$rows" "$dir")"
url="$(scripts/test-postgres start "$dir/cluster")"
export PGPASSWORD="$(cat "$dir/cluster/password")"
psql=(psql -X -q -v ON_ERROR_STOP=1 -h "$dir/cluster" -p "$(cat "$dir/cluster/port")" -U covenant -d postgres)
# The plans in the server's log (auto_explain, without ANALYZE, so timing is unaffected).
"${psql[@]}" -c "LOAD 'auto_explain'" -c "ALTER SYSTEM SET session_preload_libraries = 'auto_explain'" \
  -c "ALTER SYSTEM SET auto_explain.log_min_duration = 0" -c "SELECT pg_reload_conf()" >/dev/null
"${psql[@]}" -c "CREATE TABLE admissions_bench (ward text, admitted_on date, age integer, stay_days integer, cost numeric(12,2), readmitted integer)"
sqlite3 -csv "$database" "SELECT ward, admitted_on, age, stay_days, cost, readmitted FROM admissions" \
  | "${psql[@]}" -c "\\copy admissions_bench FROM STDIN WITH (FORMAT csv)"
"${psql[@]}" -c "VACUUM ANALYZE admissions_bench"
rm -f "$database"
plan="$("$bench" postgresql-demo "$rows" "$url" admissions_bench)"
plain_sql="$(cat <<'SQL'
SELECT ward, count(*), sum(s), sum(s * s), count(c), sum(c), sum(c * c), sum(r),
       count(*) FILTER (WHERE age >= 0 AND age < 18), count(*) FILTER (WHERE age >= 18 AND age < 40),
       count(*) FILTER (WHERE age >= 40 AND age < 65), count(*) FILTER (WHERE age >= 65 AND age < 120)
FROM (SELECT ward, age, LEAST(GREATEST(stay_days, 0), 365) AS s, LEAST(GREATEST(cost, 0), 250000) AS c,
             LEAST(GREATEST(readmitted, 0), 1) AS r
      FROM admissions_bench
      WHERE admitted_on >= DATE '2024-01-01' AND age >= 0
        AND ward IN ('cardiology', 'emergency', 'oncology', 'pediatrics', 'transplant')) AS t
GROUP BY ward
SQL
)"
psql_best "$plain_sql"
parallel_best="$best"
logged="$(wc -l < "$dir/cluster/server.log")"
"${psql[@]}" -c "ALTER SYSTEM SET max_parallel_workers_per_gather = 0" -c "SELECT pg_reload_conf()" >/dev/null
serial_plan="$("$bench" postgresql-demo "$rows" "$url" admissions_bench)"
psql_best "$plain_sql"
version="$("${psql[@]}" -At -c 'SHOW server_version')"
load="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || true)"
json="$(python3 - "$rows" "$parallel_best" "$version" "$plan" "$dir/cluster/server.log" "$load" "$logged" "$serial_plan" "$best" <<'PY'
import json, sys, datetime
rows, best_ms, version, plan = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3], json.loads(sys.argv[4])
logged, serial_plan, serial_ms = int(sys.argv[7]), json.loads(sys.argv[8]), float(sys.argv[9])
# The plans auto_explain logged (the last of each kind before and after the switch to serial):
# the pushed-down query starts `SELECT (g)::text`, psql's `SELECT ward`.
plans, current = {}, None
for number, line in enumerate(open(sys.argv[5], errors="replace")):
    if "Query Text:" in line:
        kind = "pushdown" if "SELECT (g)::text" in line else "psql" if "SELECT ward, count(*)" in line else None
        current = None if kind is None else ("serial " + kind if number >= logged else kind)
        if current: plans[current] = {"top": None, "workersPlanned": 0}
    elif current and line.startswith("\t") and line.strip():
        if plans[current]["top"] is None and "  (cost=" in line: plans[current]["top"] = line.strip().split("  (cost=")[0]
        if "Workers Planned:" in line: plans[current]["workersPlanned"] = int(line.split(":")[1])
    elif current and not line.startswith("\t"):
        current = None
def described(name):
    p = plans.get(name)
    if not p: return "not logged"
    return f"{p['top']}, {p['workersPlanned']} parallel workers planned" if p["workersPlanned"] else f"{p['top']}, serial"
psql_seconds, serial_psql_seconds = best_ms / 1000, serial_ms / 1000
for figure in plan:
    figure["ratioToPsql"] = figure["seconds"] / psql_seconds
for figure in serial_plan:
    figure["ratioToPsql"] = figure["seconds"] / serial_psql_seconds
print(json.dumps({
    "date": datetime.date.today().isoformat(),
    "command": f"benchmarks/demo-local-plan-postgres.sh {rows} benchmarks/results/demo-local-plan-postgres-DATE.json",
    "rows": rows,
    "table": "the demo's admissions table (DemoData.writeHospital, seed 20241125) copied into PostgreSQL; the hospital_activity contract",
    "server": f"PostgreSQL {version}, throwaway cluster on a Unix socket (fsync off), auto_explain logging plans (no ANALYZE), default settings otherwise",
    "psqlPlainGroupBy": {"seconds": psql_seconds, "rowsPerSecond": rows / psql_seconds,
                         "query": "per ward: count, sums and sums of squares of the clipped stays and costs, readmissions, 4 age buckets, with the contract's filters"},
    "figures": plan,
    "plans": {"pushdown": described("pushdown"), "psql": described("psql")},
    "serial": {"settings": "max_parallel_workers_per_gather = 0 for the server (ALTER SYSTEM), the same for both",
               "figures": serial_plan, "psqlSeconds": serial_psql_seconds,
               "plans": {"pushdown": described("serial pushdown"), "psql": described("serial psql")}},
    "notes": "Wall clock, best of 3; the plan's figures include connecting, the catalog check and validation in the plan's own "
             "scan, psql's only its query. Both under the server's default settings (max_parallel_workers_per_gather 2, JIT on), "
             "then both again with parallel query off for the server (`serial`), on a shared 2-core Linux VM; load average at "
             f"the end: {sys.argv[6] or 'unknown'}.",
}, indent=2, sort_keys=True))
PY
)"
if [ -n "$output" ]; then printf '%s\n' "$json" > "$output"; else printf '%s\n' "$json"; fi
