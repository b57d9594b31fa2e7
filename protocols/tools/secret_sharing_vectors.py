#!/usr/bin/env python3
"""Independent reference values for protocols/secret-sharing.md (version 1).

Writes protocols/secret-sharing/vectors/v1/{seed-expansion,seeded-split,additive-split,shamir}.json.
Written from the spec, not from the Swift code: Python integers for field arithmetic, the
`cryptography` package's AES-128-CTR for seed expansion, and SplitMix64 for the test generator
(_TestSupport's DeterministicRNG). Deterministic. Needs: pip install cryptography sympy.
"""
import json, pathlib, struct
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
import sympy

M64 = (1 << 64) - 1
OUT = pathlib.Path(__file__).resolve().parents[1] / "secret-sharing/vectors/v1"

class SplitMix64:
    def __init__(self, seed): self.state = seed & M64
    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & M64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
        return z ^ (z >> 31)

def keystream_words(seed, n_words):
    enc = Cipher(algorithms.AES(bytes(seed)), modes.CTR(bytes(16))).encryptor()
    data = enc.update(bytes(8 * n_words)) + enc.finalize()
    return list(struct.unpack("<%dQ" % n_words, data))

def mask_for(p): return (1 << p.bit_length()) - 1

def expand(seed, count, p=None):
    """Spec §5: Ring64 reads words; Z_p masks to bitlength(p) bits and rejects values >= p."""
    if p is None:
        return keystream_words(seed, count), count
    out, consumed, batch = [], 0, 64
    while len(out) < count:
        words = keystream_words(seed, consumed + batch)[consumed:]
        for w in words:
            consumed += 1
            c = w & mask_for(p)
            if c < p:
                out.append(c)
                if len(out) == count: break
        batch *= 2
    return out, consumed

def random_element(rng, p):
    """Ring64: one word; PrimeField64: mask and reject (spec §10)."""
    if p is None: return rng.next()
    while True:
        c = rng.next() & mask_for(p)
        if c < p: return c

def le_seed(rng):
    return struct.pack("<QQ", rng.next(), rng.next())

def ring_json(p): return {"type": "ring64"} if p is None else {"type": "primefield64", "p": str(p)}
def strs(xs): return [str(x) for x in xs]
def write(name, algorithm, cases):
    doc = {"algorithm": algorithm,
           "source": "Python 3 + cryptography AES-128-CTR (protocols/tools/secret_sharing_vectors.py)",
           "cases": [dict(tcId=i + 1, **c) for i, c in enumerate(cases)]}
    (OUT / name).write_text(json.dumps(doc, indent=1) + "\n")
    print(f"{len(cases)} cases -> {name}")

MERSENNE61 = (1 << 61) - 1
P62 = sympy.nextprime(1 << 62)          # 63-bit: about half of the masked words are rejected
P13 = 13
assert P62 < (1 << 63) and sympy.isprime(MERSENNE61)
P128 = sympy.nextprime(1 << 128)         # PrimeField.smallestPrime(above: 128)
P127 = (1 << 127) - 1

# --- seed expansion -------------------------------------------------------------------------
# FIPS 197 Appendix C.1 key; the first keystream block is AES_k(0^128).
seeds = [bytes(16), bytes(range(16)), bytes.fromhex("2b7e151628aed2a6abf7158809cf4f3c"),
         le_seed(SplitMix64(7))]
cases = []
for seed in seeds:
    for p, count in ((None, 12), (MERSENNE61, 10), (P62, 24)):
        words, consumed = expand(seed, count, p)
        cases.append({"desc": f"{ring_json(p)['type']} count {count}", "result": "valid",
                      "seed": seed.hex(), "ring": ring_json(p), "count": count,
                      "wordsConsumed": consumed, "words": strs(words)})
# A longer expansion crossing several AES blocks and the 4 KiB buffering of the generator.
words, consumed = expand(bytes(range(16)), 1100)
cases.append({"desc": "ring64 count 1100 (crosses buffer boundaries)", "result": "valid",
              "seed": bytes(range(16)).hex(), "ring": ring_json(None), "count": 1100,
              "wordsConsumed": consumed, "words": strs(words)})
cases.append({"desc": "seed-15-bytes", "result": "invalid", "seed": bytes(15).hex(),
              "ring": ring_json(None), "count": 1, "error": "invalidSeedLength"})
cases.append({"desc": "seed-17-bytes", "result": "invalid", "seed": bytes(17).hex(),
              "ring": ring_json(None), "count": 1, "error": "invalidSeedLength"})
write("seed-expansion.json", "aes128ctr-seed-expansion", cases)

# --- seeded split --------------------------------------------------------------------------
cases = []
for rng_seed, p, parties, secret in ((1, None, 3, [1, 2, 3, M64]), (2, None, 10, list(range(7))),
                                     (3, MERSENNE61, 4, [0, 1, MERSENNE61 - 1, 12345]),
                                     (4, P62, 5, [P62 - 1, 0, 42]), (5, None, 1, [9, 8])):
    rng = SplitMix64(rng_seed)
    sd = [le_seed(rng) for _ in range(parties - 1)]
    mod = (1 << 64) if p is None else p
    last = list(secret)
    for s in sd:
        e, _ = expand(s, len(secret), p)
        last = [(a - b) % mod for a, b in zip(last, e)]
    cases.append({"desc": f"{ring_json(p)['type']} n={parties}", "result": "valid", "rngSeed": str(rng_seed),
                  "ring": ring_json(p), "parties": parties, "secret": strs(secret),
                  "seeds": [s.hex() for s in sd], "lastShare": strs(last)})
write("seeded-split.json", "seeded-additive-split", cases)

# --- additive split ------------------------------------------------------------------------
cases = []
for rng_seed, p, parties, secret in ((11, None, 3, [5, M64, 0]), (12, None, 1, [77]),
                                     (13, MERSENNE61, 4, [MERSENNE61 - 1, 3]), (14, P62, 3, [1, 2, 3, 4]),
                                     (15, None, 5, [])):
    rng = SplitMix64(rng_seed)
    mod = (1 << 64) if p is None else p
    shares = [[random_element(rng, p) for _ in secret] for _ in range(parties - 1)]
    last = [(s - sum(col)) % mod for s, col in zip(secret, zip(*shares))] if shares else list(secret)
    if not secret: last = []
    cases.append({"desc": f"{ring_json(p)['type']} n={parties} m={len(secret)}", "result": "valid",
                  "rngSeed": str(rng_seed), "ring": ring_json(p), "parties": parties,
                  "secret": strs(secret), "shares": [strs(s) for s in shares + [last]]})
write("additive-split.json", "additive-split", cases)

# --- Shamir --------------------------------------------------------------------------------
def field_json(p, big):
    return {"type": "primefield" if big else "primefield64", "p": str(p)}
def f_eval(coeffs, x, p): return sum(c * pow(x, k, p) for k, c in enumerate(coeffs)) % p
def lagrange0(xs, p):
    out = []
    for i, xi in enumerate(xs):
        num, den = 1, 1
        for j, xj in enumerate(xs):
            if j != i: num = num * xj % p; den = den * (xj - xi) % p
        out.append(num * pow(den, -1, p) % p)
    return out

split_cases, recon_cases, lag_cases = [], [], []
import random
r = random.Random(20261125)
for p, big, t, n in ((MERSENNE61, False, 3, 5), (MERSENNE61, False, 1, 3), (MERSENNE61, False, 4, 4),
                     (P13, False, 3, 5), (P128, True, 3, 6), (P127, True, 5, 9), (P62, False, 2, 7)):
    secret = r.randrange(p)
    coeffs = [r.randrange(p) for _ in range(t - 1)]
    shares = [(x, f_eval([secret] + coeffs, x, p)) for x in range(1, n + 1)]
    split_cases.append({"desc": f"{field_json(p, big)['type']} t={t} n={n}", "result": "valid",
                        "field": field_json(p, big), "secret": str(secret), "coefficients": strs(coeffs),
                        "parties": n, "shares": [{"x": str(x), "y": str(y)} for x, y in shares]})
    # Reconstruct from a few subsets of t shares, in scrambled order.
    for _ in range(2):
        subset = r.sample(shares, t)
        recon_cases.append({"desc": f"{field_json(p, big)['type']} t={t} subset", "result": "valid",
                            "field": field_json(p, big), "threshold": t,
                            "shares": [{"x": str(x), "y": str(y)} for x, y in subset], "secret": str(secret)})
    if t >= 2:
        xs = [x for x, _ in r.sample(shares, t)]
        lag_cases.append({"desc": f"{field_json(p, big)['type']} t={t}", "field": field_json(p, big),
                          "xs": strs(xs), "coefficients": strs(lagrange0(xs, p))})

# Negative reconstruction cases, named after the mutation (mersenne61, t = 3).
p = MERSENNE61; fj = field_json(p, False)
coeffs = [5, 7, 11]
good = [(x, f_eval(coeffs, x, p)) for x in (1, 2, 3)]
def sh(lst): return [{"x": str(x), "y": str(y)} for x, y in lst]
negatives = [
    ("duplicate-x", [good[0], good[1], (good[1][0], good[2][1])], "duplicateEvaluationPoint"),
    ("zero-x", [good[0], good[1], (0, 5)], "zeroEvaluationPoint"),
    ("x-not-below-p", [good[0], good[1], (p, good[2][1])], "evaluationPointOutOfRange"),
    ("x-max", [good[0], good[1], (M64, good[2][1])], "evaluationPointOutOfRange"),
    ("too-few-shares", good[:2], "tooFewShares"),
    ("y-not-below-p", [good[0], good[1], (good[2][0], p)], "nonCanonicalElement"),
    ("y-max", [good[0], good[1], (good[2][0], M64)], "nonCanonicalElement"),
]
for desc, lst, err in negatives:
    recon_cases.append({"desc": desc, "result": "invalid", "field": fj, "threshold": 3,
                        "shares": sh(lst), "error": err})
recon_cases.append({"desc": "extra shares are validated but the first t are used", "result": "valid",
                    "field": fj, "threshold": 3,
                    "shares": sh(good + [(4, f_eval(coeffs, 4, p))]), "secret": "5"})

# A SplitMix64-seeded split: coefficients drawn with PrimeField64.random (mask and reject).
rng_cases = []
for rng_seed, p, t, n, secret in ((21, P62, 3, 5, 123456789), (22, MERSENNE61, 4, 6, 0), (23, P13, 2, 12, 7)):
    rng = SplitMix64(rng_seed)
    coeffs = [random_element(rng, p) for _ in range(t - 1)]
    shares = [(x, f_eval([secret] + coeffs, x, p)) for x in range(1, n + 1)]
    rng_cases.append({"desc": f"primefield64 p={p} t={t} n={n}", "rngSeed": str(rng_seed),
                      "field": field_json(p, False), "secret": str(secret), "threshold": t,
                      "parties": n, "shares": sh(shares)})

doc = {"algorithm": "shamir",
       "source": "Python 3 integers (protocols/tools/secret_sharing_vectors.py)",
       "split": [dict(tcId=i + 1, **c) for i, c in enumerate(split_cases)],
       "reconstruct": [dict(tcId=100 + i + 1, **c) for i, c in enumerate(recon_cases)],
       "lagrange": [dict(tcId=200 + i + 1, **c) for i, c in enumerate(lag_cases)],
       "seededSplit": [dict(tcId=300 + i + 1, **c) for i, c in enumerate(rng_cases)]}
(OUT / "shamir.json").write_text(json.dumps(doc, indent=1) + "\n")
print(f"{len(split_cases)}+{len(recon_cases)}+{len(lag_cases)}+{len(rng_cases)} cases -> shamir.json")
