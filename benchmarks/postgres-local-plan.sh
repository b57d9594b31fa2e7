#!/usr/bin/env bash
# The local plan over a PostgreSQL table beside PostgreSQL's own plain GROUP BY of the same
# aggregates, run by psql, in one script (issue 12's performance figure; nothing asserts on it).
#
#   benchmarks/postgres-local-plan.sh [ROWS] [OUTPUT.json]     (default 1000000 rows, stdout)
#
# Starts a throwaway cluster (scripts/test-postgres), generates `employees_bench(dept text, age
# integer, salary numeric(12,2))` with ROWS seeded random rows inside the server, builds the
# release `_DataSourcesBenchmark` (scratch path .build-data-release), times the plan by pushdown and
# by the row pipeline (best of 3, validation included), times psql running
# LocalPlanBenchmark.plainPostgreSQLQuery (best of 3, `\timing`), and writes both and their ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
source benchmarks/engine-timing.sh
rows="${1:-1000000}"
output="${2:-}"
dir="$(mktemp -d /tmp/covenant-bench-pg.XXXXXX)"
trap 'scripts/test-postgres stop "$dir/cluster" || true; rm -rf "$dir"' EXIT
url="$(scripts/test-postgres start "$dir/cluster")"
export PGPASSWORD="$(cat "$dir/cluster/password")"
psql=(psql -X -q -v ON_ERROR_STOP=1 -h "$dir/cluster" -p "$(cat "$dir/cluster/port")" -U covenant -d postgres)
"${psql[@]}" <<SQL
CREATE TABLE employees_bench (dept text, age integer, salary numeric(12,2));
SELECT setseed(0.20241204);
INSERT INTO employees_bench
  SELECT (ARRAY['eng', 'ops', 'sales', 'legal', NULL])[1 + floor(random() * 5)::int],
         16 + floor(random() * 50)::int,
         floor(random() * 40000000)::numeric / 100
  FROM generate_series(1, $rows);
VACUUM ANALYZE employees_bench;
SQL
swift build -c release --scratch-path .build-data-release --product _DataSourcesBenchmark >&2
plan="$(.build-data-release/release/_DataSourcesBenchmark postgresql "$rows" "$url" employees_bench)"
plain_sql="$(cat <<'SQL'
SELECT dept, b, count(*), sum(s), sum(s * s), max(s) FROM (
  SELECT dept, LEAST(GREATEST(salary, 0), 300000) AS s,
         LEAST(99, GREATEST(0, floor(LEAST(GREATEST(salary, 0), 300000) * 100 / 300000)::int)) AS b
  FROM employees_bench WHERE salary > 0 AND age >= 18 AND dept IN ('eng', 'ops', 'sales')) AS t
GROUP BY dept, b
SQL
)"
psql_best "$plain_sql"
version="$("${psql[@]}" -At -c 'SHOW server_version')"
json="$(python3 - "$rows" "$best" "$version" "$plan" <<'PY'
import json, sys, datetime
rows, best_ms, version, plan = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3], json.loads(sys.argv[4])
psql_seconds = best_ms / 1000
for figure in plan:
    figure["ratioToPsql"] = figure["seconds"] / psql_seconds
print(json.dumps({
    "date": datetime.date.today().isoformat(),
    "command": f"benchmarks/postgres-local-plan.sh {rows} benchmarks/results/postgres-local-plan-DATE.json",
    "rows": rows,
    "server": f"PostgreSQL {version}, throwaway cluster on a Unix socket (fsync off), default settings otherwise",
    "psqlPlainGroupBy": {"seconds": psql_seconds, "rowsPerSecond": rows / psql_seconds,
                         "query": "LocalPlanBenchmark.plainPostgreSQLQuery: filters, clip, 100-bucket grid as GROUP BY column, count/sum/sum of squares/max"},
    "figures": plan,
    "notes": "Wall clock, best of 3; the plan's figures include connecting, the catalog check and validation "
             "(pushdown: in the plan's own scan; row pipeline: a validation scan first), psql's only its query. "
             "One core of a shared 2-core Linux VM.",
}, indent=2, sort_keys=True))
PY
)"
if [ -n "$output" ]; then printf '%s\n' "$json" > "$output"; else printf '%s\n' "$json"; fi
