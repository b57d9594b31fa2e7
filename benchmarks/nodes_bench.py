#!/usr/bin/env python3
"""Driver of benchmarks/nodes.sh (read that file first). Nothing here asserts on a time.

Part A: `covenant demo` in one process and `covenant demo --nodes` (every member a node process on
loopback) for 3, 5 and 10 members: per protocol, the run's wall time, its phases and, across
nodes, the protocol payload bytes the nodes sent.

Part B: sum, mean and variance of ROWS values per member among three members: three
`covenant node run` processes (the contract `value_stats`) against three MPyC 0.11 processes
(mpyc_stats.py), the same values (Python's random with the same seeds), best of REPEAT each; MPyC
runs twice: aggregating locally first as value_stats does, and (unless MPYC_SECRET_VALUES=0)
secret-sharing every value (`mpyc_stats.py --secret-values`).
"Whole" starts the processes and ends when all have exited (TLS handshakes, the run and SIGTERM
included); "joint" is Covenant's `protocol` phase and MPyC's time from mpc.start() to the output.

Part C: the exact median (`median(v, exclusive)`, Python's `statistics.median`) of ROWS values
per member with one decimal in [0, 60] among three node processes under protocol beaver, with
the INSECURE dealer and with member-generated preprocessing (MODES narrows them), beside Python's
`statistics.median` over the same values in one process, measured in the same run.
"""
import json
import os
import random
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

COVENANT, PYTHON, OUTPUT = sys.argv[1], sys.argv[2], sys.argv[3]
ROWS = int(os.environ.get("ROWS", "100000"))
REPEAT = int(os.environ.get("REPEAT", "3"))
SIZES = [int(x) for x in os.environ.get("SIZES", "3,5,10").split(",")]
HERE = os.path.dirname(os.path.abspath(__file__))

CONTRACT = """contract value_stats version 1 {
  input readings(v: int)
  local {
    clip v to [0, 1000000]
  }
  compute {
    n      = count()
    total  = sum(v)
    mean_v = mean(v)
    var_v  = variance(v)
  }
  reveal n, total, mean_v, var_v to all
  require participants >= 2
  disclose sums
  protocol auto
}
"""

MEDIAN_CONTRACT = """contract exact_median version 1 {
  input readings(v: decimal(1))
  local {
    clip v to [0, 60]
  }
  compute {
    n        = count()
    median_v = median(v, exclusive)
  }
  reveal n, median_v to all
  require participants >= 2
  protocol beaver
}
"""


def covenant(*args, cwd):
    done = subprocess.run([COVENANT, *args], cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"covenant {' '.join(args)}: exit {done.returncode}: {done.stderr.strip()}")
    return done.stdout


def free_ports(count):
    ports = set()
    while len(ports) < count:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            ports.add(s.getsockname()[1])
    return sorted(ports)


def part_a():
    rows = []
    for n in SIZES:
        for nodes in (False, True):
            with tempfile.TemporaryDirectory(prefix="covenant-bench-demo-") as d:
                args = ["demo", "--members", str(n), "--rows", "2000", "--dir", d + "/demo", "--json"]
                if nodes:
                    args.append("--nodes")
                out = json.loads(covenant(*args, cwd=d))
            for run in out["runs"]:
                phases = run["summary"]["phases"] if nodes else run.get("phases", [])
                rows.append({
                    "members": n, "processes": n if nodes else 1, "protocol": run["protocol"],
                    "seconds": run["seconds"] if nodes else run["durationSeconds"],
                    "phases": {p["phase"]: p["seconds"] for p in phases} if isinstance(phases, list) else phases,
                    "payloadBytes": run.get("payloadBytes"),
                    "published": run["published"] if nodes else run["status"] == "published",
                    "matchesOracle": run["matchesOracle"],
                })
                print(json.dumps(rows[-1]), file=sys.stderr)
    return rows


def setup_b(root, values, column="v INTEGER NOT NULL", contract=CONTRACT, contract_name="value_stats"):
    names = ["m0", "m1", "m2"]
    ports = free_ports(6)
    for i, name in enumerate(names):
        roles = "voting,participant,sequencer" if i == 0 else "voting,participant"
        covenant("member", "init", name, "--dir", f"{name}/keys", "--roles", roles, cwd=root)
    covenant("consortium", "found", "--name", "bench", "--quorum", "2", "--dir", "m0/keys", "--ledger", "m0/ledger.sqlite",
             *[f"{n}/keys/card.json" for n in names], cwd=root)
    operators = []
    for i, name in enumerate(names):
        if i:
            subprocess.run(["cp", f"{root}/m0/ledger.sqlite", f"{root}/{name}/ledger.sqlite"], check=True)
            covenant("consortium", "accept", "--dir", f"{name}/keys", "--ledger", f"{name}/ledger.sqlite", cwd=root)
        db = sqlite3.connect(f"{root}/{name}/data.sqlite")
        db.execute(f"CREATE TABLE readings({column})")
        db.executemany("INSERT INTO readings VALUES (?)", ((v,) for v in values[i]))
        db.commit()
        db.close()
        with open(f"{root}/{name}/sources.json", "w") as f:
            json.dump({"member": name, "sources": {"readings": {"kind": "sqlite", "path": "data.sqlite", "table": "readings"}}}, f)
        key = covenant("operator", "init", "--dir", f"{name}/op", "--card", f"{name}/keys/card.json",
                       "--admin", f"127.0.0.1:{ports[3 + i]}", cwd=root).strip()
        operators.append(f"{name}/op")
        with open(f"{root}/{name}/node.json", "w") as f:
            json.dump({"keys": "keys", "ledger": "ledger.sqlite", "listen": f"127.0.0.1:{ports[i]}",
                       "admin": f"127.0.0.1:{ports[3 + i]}", "dataSources": "sources.json", "operators": [key],
                       "peers": {n: f"127.0.0.1:{ports[j]}" for j, n in enumerate(names)}}, f)
    with open(f"{root}/{contract_name}.cov", "w") as f:
        f.write(contract)
    return names, operators


def start_nodes(root, names):
    processes = []
    for name in names:
        p = subprocess.Popen([COVENANT, "node", "run", "--config", f"{name}/node.json"], cwd=root,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        processes.append(p)
    for p in processes:
        while "admin-address" not in p.stdout.readline():
            pass
    return processes


def stop_nodes(processes):
    for p in processes:
        p.send_signal(signal.SIGTERM)
    for p in processes:
        p.wait()


def adopt(root, names, operators, contract_name):
    """Proposes `contract_name`.cov through the first operator; a quorum of two approves it."""
    processes = start_nodes(root, names)
    covenant("contract", "propose", f"{contract_name}.cov", "--operator", operators[0], cwd=root)
    for access in operators[:2]:
        covenant("contract", "approve", contract_name, "--operator", access, cwd=root)
    stop_nodes(processes)


def part_b():
    def party(pid):
        rng = random.Random(7 * 1000 + pid)  # as mpyc_stats.py draws them
        return [rng.randrange(0, 1_000_000) for _ in range(ROWS)]
    values = [party(pid) for pid in range(3)]
    everything = [v for party in values for v in party]
    expected = {"n": len(everything), "mean": statistics.fmean(everything), "variance": statistics.variance(everything)}
    with tempfile.TemporaryDirectory(prefix="covenant-bench-nodes-") as root:
        names, operators = setup_b(root, values)
        adopt(root, names, operators, "value_stats")
        covenant_runs = []
        for protocol in ("additive", "secagg"):
            best = None
            for _ in range(REPEAT):
                t0 = time.perf_counter()
                processes = start_nodes(root, names)
                answer = json.loads(covenant("run", "value_stats", "--protocol", protocol, "--json", "--operator", operators[0], cwd=root))
                stop_nodes(processes)
                whole = time.perf_counter() - t0
                phases = {p["phase"]: p["seconds"] for p in answer["phases"]}
                outputs = answer["publicResult"]["groups"][0]["outputs"]
                exact = outputs["n"] == expected["n"] and abs(outputs["mean_v"] - expected["mean"]) < 1e-6 * expected["mean"] \
                    and abs(outputs["var_v"] - expected["variance"]) < 1e-9 * expected["variance"]
                run = {"protocol": protocol, "wholeSeconds": whole, "jointSeconds": phases.get("protocol"),
                       "runSeconds": sum(phases.values()), "phases": phases, "equalToPythonStatistics": exact}
                if best is None or whole < best["wholeSeconds"]:
                    best = run
            covenant_runs.append(best)
            print(json.dumps(best), file=sys.stderr)
    def mpyc(*extra):
        best = None
        for _ in range(REPEAT):
            t0 = time.perf_counter()
            parties = [subprocess.Popen([PYTHON, os.path.join(HERE, "mpyc_stats.py"), "-M3", f"-I{i}", f"--rows={ROWS}", "--seed=7", *extra],
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) for i in range(3)]
            outputs = [p.communicate()[0] for p in parties]
            whole = time.perf_counter() - t0
            line = json.loads(outputs[0].strip().splitlines()[-1])
            run = {"wholeSeconds": whole, "jointSeconds": line["jointSecondsFromStart"], "jointSecondsAfterConnect": line["jointSecondsAfterConnect"],
                   "equalToPythonStatistics": line["n"] == expected["n"] and abs(line["variance"] - expected["variance"]) < 1e-9 * expected["variance"]}
            if best is None or whole < best["wholeSeconds"]:
                best = run
        print(json.dumps(best), file=sys.stderr)
        return best

    def ratios(reference):
        return {r["protocol"]: {"whole": reference["wholeSeconds"] / r["wholeSeconds"],
                                "joint": reference["jointSeconds"] / r["jointSeconds"],
                                "jointAfterConnect": reference["jointSecondsAfterConnect"] / r["jointSeconds"]}
                for r in covenant_runs}

    # The same computation as value_stats (each party aggregates its values, the totals are added on
    # secrets), and MPyC's program without that local step (every value secret-shared).
    local = mpyc()
    secret_values = mpyc("--secret-values") if os.environ.get("MPYC_SECRET_VALUES", "1") == "1" else None
    result = {"rowsPerMember": ROWS, "covenant": covenant_runs, "mpyc": local, "ratios": ratios(local)}
    if secret_values:
        result["mpycSecretValues"] = secret_values
        result["ratiosSecretValues"] = ratios(secret_values)
    return result


def part_c():
    def party(pid):
        rng = random.Random(11 * 1000 + pid)
        values = []
        for _ in range(ROWS):
            wait = min(75.0, rng.expovariate(1 / 15))
            values.append(round(wait) if rng.random() < 0.3 else round(wait, 1))
        return values
    values = [party(pid) for pid in range(3)]
    t0 = time.perf_counter()
    expected = statistics.median(min(max(v, 0), 60) for party in values for v in party)
    python_seconds = time.perf_counter() - t0
    runs = []
    with tempfile.TemporaryDirectory(prefix="covenant-bench-median-") as root:
        names, operators = setup_b(root, values, column="v REAL NOT NULL", contract=MEDIAN_CONTRACT, contract_name="exact_median")
        adopt(root, names, operators, "exact_median")
        for mode in os.environ.get("MODES", "INSECURE-dealer,member-generated").split(","):
            t0 = time.perf_counter()
            processes = start_nodes(root, names)
            extra = ["--insecure-dealer"] if mode == "INSECURE-dealer" else []
            answer = json.loads(covenant("run", "exact_median", "--protocol", "beaver", *extra, "--json",
                                         "--operator", operators[0], cwd=root))
            stop_nodes(processes)
            whole = time.perf_counter() - t0
            phases = {p["phase"]: p["seconds"] for p in answer["phases"]}
            outputs = answer["publicResult"]["groups"][0]["outputs"]
            run = {"preprocessing": mode, "wholeSeconds": whole, "jointSeconds": phases.get("protocol"),
                   "phases": phases, "median": outputs["median_v"], "n": outputs["n"],
                   "equalToPythonStatistics": outputs["n"] == 3 * ROWS and abs(outputs["median_v"] - expected) <= 1e-6 * max(1, expected),
                   "ratioToPythonMedian": whole / python_seconds}
            runs.append(run)
            print(json.dumps(run), file=sys.stderr)
    return {"rowsPerMember": ROWS, "members": 3, "resolution": "0.1 in [0, 60] (601 values)",
            "pythonStatisticsMedian": {"seconds": python_seconds, "median": float(expected)}, "covenant": runs}


result = {"date": time.strftime("%Y-%m-%d"), "machine": os.uname().machine, "cpus": os.cpu_count()}
parts = os.environ.get("PART", "AB")
if "A" in parts:
    result["demo"] = part_a()
if "B" in parts:
    result["versusMPyC"] = part_b()
if "C" in parts:
    result["exactMedian"] = part_c()
with open(OUTPUT, "w") if OUTPUT != "-" else sys.stdout as f:
    json.dump(result, f, indent=2)
    f.write("\n")
