# Sourced by the local-plan benchmarks (sqlite-local-plan.sh, postgres-local-plan.sh,
# demo-local-plan.sh, demo-local-plan-postgres.sh): the engine's own CLI timing its plain query,
# best of 3.

# sqlite3_best DATABASE SQL: sets `best` (wall seconds, `.timer on`) and `best_cpu` (user + system
# seconds of that run).
sqlite3_best() {
  local database="$1" sql="$2" timing seconds cpu
  best=""
  best_cpu=""
  for _ in 1 2 3; do
    timing="$(printf '.timer on\n.output /dev/null\n%s;\n' "$sql" | sqlite3 "$database" | grep '^Run Time' | tail -1)"
    seconds="$(printf '%s' "$timing" | sed -n 's/^Run Time: real \([0-9.]*\) .*/\1/p')"
    cpu="$(printf '%s' "$timing" | awk '{print $6 + $8}')"
    if [ -z "$best" ] || awk "BEGIN{exit !($seconds < $best)}"; then best="$seconds"; best_cpu="$cpu"; fi
  done
}

# psql_best SQL: sets `best` (milliseconds, `\timing`), running the command in the array `psql`.
psql_best() {
  local sql="$1" ms
  best=""
  for _ in 1 2 3; do
    ms="$(printf '\\timing on\n\\o /dev/null\n%s;\n' "$sql" | "${psql[@]}" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -1)"
    if [ -z "$best" ] || awk "BEGIN{exit !($ms < $best)}"; then best="$ms"; fi
  done
}
