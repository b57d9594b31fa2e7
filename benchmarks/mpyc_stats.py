"""The reference side of benchmarks/nodes.sh: sum, mean and variance of N values per party among
three MPyC 0.11 parties (separate processes on loopback), the same computation Covenant's
`value_stats` contract makes: each party aggregates its own values (count, sum, sum of squares),
the parties add those aggregates on secrets and open the totals; mean and variance follow in the
clear. Run as `python mpyc_stats.py -M3 -I<i> --rows N --seed S` (one process per party).

With `--secret-values`, each party instead secret-shares every one of its values and the sum and
the sum of squares are computed on the shares (the program an MPyC user writes without
aggregating locally first); the count is public (every party's list length).

Party 0 prints one JSON line: the opened totals and the time of the joint phase, from before
mpc.start() (connections included) and from after it, to after the output.
"""
import json
import random
from fractions import Fraction
import sys
import time

from mpyc.runtime import mpc

rows = int(next((a.split("=")[1] for a in sys.argv if a.startswith("--rows=")), "100000"))
seed = int(next((a.split("=")[1] for a in sys.argv if a.startswith("--seed=")), "7"))
secret_values = "--secret-values" in sys.argv


async def main():
    rng = random.Random(seed * 1000 + mpc.pid)
    values = [rng.randrange(0, 1_000_000) for _ in range(rows)]
    t_start = time.perf_counter()
    await mpc.start()
    t_connected = time.perf_counter()
    secint = mpc.SecInt(80)
    if secret_values:
        shared = mpc.input([secint(v) for v in values])  # one list of `rows` shares per party
        every = [x for party in shared for x in party]
        n = len(every)
        s, q = await mpc.output([mpc.sum(every), mpc.in_prod(every, every)])
    else:
        local = [secint(len(values)), secint(sum(values)), secint(sum(v * v for v in values))]
        shared = mpc.input(local)  # one list of three shares per party
        totals = [mpc.sum([party[k] for party in shared]) for k in range(3)]
        n, s, q = await mpc.output(totals)
    t_done = time.perf_counter()
    await mpc.shutdown()
    if mpc.pid == 0:
        mean = float(Fraction(s, n))
        variance = float((q - Fraction(s * s, n)) / (n - 1))
        print(json.dumps({
            "n": n, "sum": s, "sumSquares": q, "mean": mean, "variance": variance,
            "jointSecondsFromStart": t_done - t_start, "jointSecondsAfterConnect": t_done - t_connected,
        }))


mpc.run(main())
