#!/usr/bin/env python3
"""Independent reference values for MultiPrecision, computed with Python's integers.

Writes protocols/primitives/vectors/v1/bigint-arithmetic.json. Deterministic (fixed seed).
"""
import json, random, math, pathlib
import sympy  # independent primality oracle (pip install sympy)

rng = random.Random(20261125)
cases = []
tc = 0
def add(kind, desc, **fields):
    global tc
    tc += 1
    cases.append({"tcId": tc, "desc": desc, "result": "valid", "op": kind,
                  **{k: str(v) for k, v in fields.items()}})

for bits in (1, 63, 64, 65, 127, 128, 255, 1024, 2048, 4096):
    for sign in (1, -1):
        a = sign * rng.getrandbits(bits); b = rng.getrandbits(max(bits // 2, 1)) + 1
        q = abs(a) // b * (1 if a >= 0 else -1)
        add("arith", f"{bits}-bit sign {sign}", a=a, b=b, sum=a + b, difference=a - b,
            product=a * b, quotient=q, remainder=a - q * b, modulo=a % b,
            gcd=math.gcd(a, b), lcm=abs(a * b) // math.gcd(a, b) if a else 0)
for bits in (64, 256, 1024, 2048):
    m = rng.getrandbits(bits) | 1 | (1 << (bits - 1))
    base = rng.getrandbits(bits + 7); e = rng.getrandbits(bits)
    add("modpow", f"{bits}-bit odd modulus", base=base, exponent=e, modulus=m, result=pow(base, e, m))
    a = rng.getrandbits(bits)
    while math.gcd(a, m) != 1: a += 1
    add("inverse", f"{bits}-bit", a=a, modulus=m, result=pow(a, -1, m))
# CRT with three pairwise-coprime moduli
ms = [1000003, 998244353, (1 << 61) - 1]
x = rng.randrange(math.prod(ms))
add("crt", "three word primes", r0=x % ms[0], r1=x % ms[1], r2=x % ms[2], m0=ms[0], m1=ms[1], m2=ms[2], result=x)
# big-endian bytes
for bits in (8, 9, 255, 256, 2048):
    v = rng.getrandbits(bits) | (1 << (bits - 1))
    add("bytes", f"{bits}-bit", value=v, hex=v.to_bytes((bits + 7) // 8, "big").hex())
# primes and composites
for p in (2**127 - 1, 2**521 - 1, 170141183460469231731687303715884105757):
    assert sympy.isprime(p)
    add("prime", "known prime", value=p, isPrime=1)
for c in (2**128 + 1, 561, 3215031751, 2**127 - 3, 170141183460469231731687303715884105757 * 3):
    assert not sympy.isprime(c)
    add("prime", "known composite (includes Carmichael 561 and strong pseudoprime 3215031751)", value=c, isPrime=0)

out = {"algorithm": "bigint", "source": "Python 3 integers (protocols/tools/bigint_vectors.py)", "cases": cases}
path = pathlib.Path(__file__).resolve().parents[1] / "primitives/vectors/v1/bigint-arithmetic.json"
path.write_text(json.dumps(out, indent=1) + "\n")
print(f"{len(cases)} cases -> {path.name}")
