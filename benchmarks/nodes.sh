#!/usr/bin/env bash
# Member nodes as processes on loopback (issue 10's performance figures; nothing asserts on them).
#
#   benchmarks/nodes.sh [OUTPUT.json]        (default: benchmarks/results/nodes-<date>.json)
#
# Builds the release `covenant`, installs MPyC 0.11 from PyPI into a temporary virtual
# environment, then runs benchmarks/nodes_bench.py: the demo contract under each protocol in one
# process and across 3, 5 and 10 node processes (time, phases, payload bytes), and the sum, mean
# and variance of ROWS (default 10^5) values per member among 3 node processes against 3 MPyC
# processes, best of REPEAT (default 3). SIZES=3,5 and PART=A or PART=B narrow the run; PART=C runs
# only the exact median of ROWS one-decimal values per member among 3 node processes under beaver
# (INSECURE dealer and member-generated preprocessing; MODES=INSECURE-dealer narrows it); BUILD=0
# reuses the binary already built.
set -euo pipefail
cd "$(dirname "$0")/.."
output="${1:-benchmarks/results/nodes-$(date +%F).json}"
if [ "${BUILD:-1}" = 1 ]; then swift build -c release --product covenant >&2; fi
venv="$(mktemp -d /tmp/covenant-bench-mpyc.XXXXXX)"
trap 'rm -rf "$venv"' EXIT
python3 -m venv "$venv" >&2
"$venv/bin/pip" install -q "mpyc==0.11" >&2
python3 benchmarks/nodes_bench.py "$(swift build -c release --show-bin-path)/covenant" "$venv/bin/python" "$output"
echo "wrote $output" >&2
