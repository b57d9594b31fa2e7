#!/usr/bin/env python3
"""Independent plaintext-knowledge proof vectors (Python integers + hashlib), for
protocols/paillier.md#plaintext-knowledge-proofs.

Writes protocols/paillier/vectors/v1/plaintext-knowledge.json from the keys of encrypt.json (so no
primes are generated here). Deterministic (fixed seed). Nothing here shares code with the Swift
implementation.
"""
import hashlib, json, pathlib, random

rng = random.Random(0x9_0F_2026)
vectors = pathlib.Path(__file__).resolve().parents[1] / "paillier/vectors/v1"
keys = {}
for case in json.loads((vectors / "encrypt.json").read_text())["cases"]:
    if "hs" in case and "p" in case:
        n = int(case["p"]) * int(case["q"])
        keys.setdefault(n.bit_length(), (n, int(case["hs"])))

DOMAIN = b"covenant/paillier/plaintext-knowledge/v1"

def magnitude(x):
    return x.to_bytes((x.bit_length() + 7) // 8, "big")

def challenge(n, hs, context, c, a):
    t = DOMAIN + len(context).to_bytes(4, "big") + context
    for x in (n, hs, c, a):
        b = magnitude(x)
        t += len(b).to_bytes(4, "big") + b
    return int.from_bytes(hashlib.sha256(t).digest()[:16], "big")

def verify(n, hs, context, c, a, z1, z2):
    n2 = n * n
    alpha_bits = (n.bit_length() + 1) // 2
    if not (0 < a < n2 and __import__("math").gcd(a, n) == 1 and 0 <= z1 < n and 0 <= z2 < 2 ** (alpha_bits + 257)):
        return False
    e = challenge(n, hs, context, c, a)
    return (1 + z1 * n) * pow(hs, z2, n2) % n2 == a * pow(c, e, n2) % n2

cases, tc = [], 0
for bits, (n, hs) in sorted(keys.items()):
    n2 = n * n
    alpha_bits = (n.bit_length() + 1) // 2
    for k in range(3):
        m = [0, n - 1, rng.randrange(n)][k]
        alpha = rng.getrandbits(alpha_bits)
        x = rng.randrange(n)
        y = rng.getrandbits(alpha_bits + 256)
        context = rng.randbytes(40)
        c = (1 + m * n) * pow(hs, alpha, n2) % n2
        a = (1 + x * n) * pow(hs, y, n2) % n2
        e = challenge(n, hs, context, c, a)
        z1, z2 = (x + e * m) % n, y + e * alpha
        assert verify(n, hs, context, c, a, z1, z2)
        base = {"n": str(n), "hs": str(hs), "m": str(m), "alpha": str(alpha), "x": str(x), "y": str(y),
                "context": context.hex()}
        tc += 1
        cases.append({"tcId": tc, "desc": f"{bits}-bit key, plaintext #{k}", "result": "valid", **base,
                      "c": str(c), "a": str(a), "e": str(e), "z1": str(z1), "z2": str(z2)})
        rerandomised = c * pow(hs, rng.getrandbits(alpha_bits), n2) % n2
        for mutation, (cc, ctx, aa, zz1, zz2) in {
            "other-context": (c, context[:-1] + bytes([context[-1] ^ 1]), a, z1, z2),
            "rerandomised-ciphertext": (rerandomised, context, a, z1, z2),
            "z1-plus-one": (c, context, a, (z1 + 1) % n, z2),
            "z2-plus-one": (c, context, a, z1, z2 + 1),
            "commitment-times-g": (c, context, a * (1 + n) % n2, z1, z2),
            "z1-not-reduced": (c, context, a, z1 + n, z2),
        }.items():
            assert not verify(n, hs, ctx, cc, aa, zz1, zz2), mutation
            tc += 1
            cases.append({"tcId": tc, "desc": f"{bits}-bit key, plaintext #{k}: {mutation}", "result": "invalid",
                          "mutation": mutation, **base, "context": ctx.hex(),
                          "c": str(cc), "a": str(aa), "e": str(challenge(n, hs, ctx, cc, aa)), "z1": str(zz1), "z2": str(zz2)})

(vectors / "plaintext-knowledge.json").write_text(json.dumps(
    {"algorithm": "paillier-plaintext-knowledge", "source": "protocols/tools/paillier_proof_vectors.py", "cases": cases},
    indent=1) + "\n")
print(f"{len(cases)} cases")
