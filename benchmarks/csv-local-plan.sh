#!/usr/bin/env bash
# The local plan over a CSV file (CSVSource: parsing, validation, the local block and the
# partials, on one core) beside two reference readers of the same file, in one script (issue
# 12's CSV figure: at least 10^6 rows per second per core; nothing asserts on it).
#
#   benchmarks/csv-local-plan.sh [ROWS] [OUTPUT.json]     (default 1000000 rows, stdout)
#
# Builds the release `_DataSourcesBenchmark` (scratch path .build-data-release), which writes the
# salary benchmark's rows (the same seeded rows as benchmarks/sqlite-local-plan.sh) as
# `dept,age,salary` into a temporary directory and times CSVSource.execute (best of 3, wall
# clock and the process's CPU time); then times `wc -l` and Python's csv module (a C parser that
# only splits fields) over the same file (best of 3 each), and writes all of them. BUILD=0 reuses
# the binary already built.
set -euo pipefail
cd "$(dirname "$0")/.."
rows="${1:-1000000}"
output="${2:-}"
dir="$(mktemp -d /tmp/covenant-bench-csv.XXXXXX)"
trap 'rm -rf "$dir"' EXIT
if [ "${BUILD:-1}" = 1 ]; then swift build -c release --scratch-path .build-data-release --product _DataSourcesBenchmark >&2; fi
plan="$(.build-data-release/release/_DataSourcesBenchmark csv "$rows" "$dir")"
file="$dir/datasources-bench-$rows.csv"
json="$(python3 - "$rows" "$file" "$plan" <<'PY'
import csv, json, subprocess, sys, time, datetime
rows, path, plan = int(sys.argv[1]), sys.argv[2], json.loads(sys.argv[3])
def best(run):
    times = []
    for _ in range(3):
        start, cpu = time.perf_counter(), time.process_time()
        run()
        times.append((time.perf_counter() - start, time.process_time() - cpu))
    return min(times)
def wc():
    subprocess.run(["wc", "-l", path], check=True, stdout=subprocess.DEVNULL)
def python_csv():
    with open(path, newline="") as f:
        for _ in csv.reader(f):
            pass
wc_seconds, _ = best(wc)
py_seconds, py_cpu = best(python_csv)
for figure in plan:
    figure["cpuRowsPerSecond"] = rows / figure["cpuSeconds"]
    figure["ratioToPythonCSV"] = figure["seconds"] / py_seconds
print(json.dumps({
    "date": datetime.date.today().isoformat(),
    "command": f"benchmarks/csv-local-plan.sh {rows} benchmarks/results/csv-local-plan-DATE.json",
    "rows": rows,
    "file": "dept,age,salary (about 17 bytes a row), written by _DataSourcesBenchmark csv into /tmp",
    "figures": plan,
    "references": {
        "wcLines": {"seconds": wc_seconds, "rowsPerSecond": rows / wc_seconds,
                    "what": "wc -l over the file (reads and counts newlines; wall clock)"},
        "pythonCSV": {"seconds": py_seconds, "cpuSeconds": py_cpu, "rowsPerSecond": rows / py_seconds,
                      "what": f"Python {sys.version.split()[0]} csv.reader over the file, fields split, nothing parsed"},
    },
    "notes": "Best of 3. The plan's figure includes reading, UTF-8 checks, parsing every value exactly, the "
             "notNull/type checks, the local block (filters, clip), the groups and all partials (count, sum, sum of "
             "squares, max, 100-bucket grid); cpuSeconds is the process's CPU time in that run (one core). "
             "One core of a shared 2-core Linux VM.",
}, indent=2, sort_keys=True))
PY
)"
if [ -n "$output" ]; then printf '%s\n' "$json" > "$output"; else printf '%s\n' "$json"; fi
