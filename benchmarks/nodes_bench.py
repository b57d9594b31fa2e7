#!/usr/bin/env python3
"""Driver of benchmarks/nodes.sh (read that file first). Nothing here asserts on a time.

Part A: `covenant demo` in one process and `covenant demo --nodes` (every member a node process on
loopback) for 3, 5 and 10 members: per protocol, the run's wall time, its phases and, across
nodes, the protocol payload bytes the nodes sent.

Part B: sum, mean and variance of ROWS values per member among three members: three
`covenant node run` processes (the contract `value_stats`) against three MPyC 0.11 processes
(mpyc_stats.py), the same values (Python's random with the same seeds), best of REPEAT each.
"Whole" starts the processes and ends when all have exited (TLS handshakes, the run and SIGTERM
included); "joint" is Covenant's `protocol` phase and MPyC's time from mpc.start() to the output.
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


def covenant(*args, cwd):
    return subprocess.run([COVENANT, *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


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


def setup_b(root, values):
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
        db.execute("CREATE TABLE readings(v INTEGER NOT NULL)")
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
    with open(f"{root}/value_stats.cov", "w") as f:
        f.write(CONTRACT)
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


def part_b():
    def party(pid):
        rng = random.Random(7 * 1000 + pid)  # as mpyc_stats.py draws them
        return [rng.randrange(0, 1_000_000) for _ in range(ROWS)]
    values = [party(pid) for pid in range(3)]
    everything = [v for party in values for v in party]
    expected = {"n": len(everything), "mean": statistics.fmean(everything), "variance": statistics.variance(everything)}
    with tempfile.TemporaryDirectory(prefix="covenant-bench-nodes-") as root:
        names, operators = setup_b(root, values)
        processes = start_nodes(root, names)
        covenant("contract", "propose", "value_stats.cov", "--operator", operators[0], cwd=root)
        covenant("contract", "approve", "value_stats", "--operator", operators[0], cwd=root)
        covenant("contract", "approve", "value_stats", "--operator", operators[1], cwd=root)
        stop_nodes(processes)
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
    best = None
    for _ in range(REPEAT):
        t0 = time.perf_counter()
        parties = [subprocess.Popen([PYTHON, os.path.join(HERE, "mpyc_stats.py"), "-M3", f"-I{i}", f"--rows={ROWS}", "--seed=7"],
                                    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) for i in range(3)]
        outputs = [p.communicate()[0] for p in parties]
        whole = time.perf_counter() - t0
        line = json.loads(outputs[0].strip().splitlines()[-1])
        run = {"wholeSeconds": whole, "jointSeconds": line["jointSecondsFromStart"], "jointSecondsAfterConnect": line["jointSecondsAfterConnect"],
               "equalToPythonStatistics": line["n"] == expected["n"] and abs(line["variance"] - expected["variance"]) < 1e-9 * expected["variance"]}
        if best is None or whole < best["wholeSeconds"]:
            best = run
    print(json.dumps(best), file=sys.stderr)
    return {"rowsPerMember": ROWS, "covenant": covenant_runs, "mpyc": best,
            "ratios": {r["protocol"]: {"whole": best["wholeSeconds"] / r["wholeSeconds"],
                                       "joint": best["jointSeconds"] / r["jointSeconds"],
                                       "jointAfterConnect": best["jointSecondsAfterConnect"] / r["jointSeconds"]}
                       for r in covenant_runs}}


result = {"date": time.strftime("%Y-%m-%d"), "machine": os.uname().machine, "cpus": os.cpu_count()}
if os.environ.get("PART", "AB") != "B":
    result["demo"] = part_a()
if os.environ.get("PART", "AB") != "A":
    result["versusMPyC"] = part_b()
with open(OUTPUT, "w") if OUTPUT != "-" else sys.stdout as f:
    json.dump(result, f, indent=2)
    f.write("\n")
