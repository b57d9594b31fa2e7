#!/usr/bin/env python3
"""Independent Paillier reference values (Python integers + sympy), for protocols/paillier.md.

Writes protocols/paillier/vectors/v1/{encrypt,threshold,batch-decryption}.json. Deterministic
(fixed seed; the batch cases draw after every earlier case, so adding them changed nothing else).
Nothing here shares code with the Swift implementation.
"""
import json, math, pathlib, random
import sympy

rng = random.Random(0x5EED_2026)
out_dir = pathlib.Path(__file__).resolve().parents[1] / "paillier/vectors/v1"

def prime(bits):
    while True:
        c = rng.getrandbits(bits) | (3 << (bits - 2)) | 1
        if sympy.isprime(c):
            return c

def safe_prime(bits):
    while True:
        q = rng.getrandbits(bits - 1) | (3 << (bits - 3)) | 1
        if q % 3 == 2 and sympy.isprime(q) and sympy.isprime(2 * q + 1):
            return 2 * q + 1

def L(x, n): return (x - 1) // n

cases, tc = [], 0
for bits in (512, 2048):
    p, q = prime(bits // 2), prime(bits // 2)
    n = p * q; n2 = n * n; lam = math.lcm(p - 1, q - 1)
    mu = pow(L(pow(n + 1, lam, n2), n), -1, n)
    x = rng.randrange(1, n)
    hs = pow((-x * x) % n, n, n2)
    for k in range(4):
        m = [0, 1, n - 1, rng.randrange(n)][k]
        r = rng.randrange(1, n)
        alpha = rng.getrandbits((n.bit_length() + 1) // 2)
        c_textbook = (1 + m * n) * pow(r, n, n2) % n2
        c_djn = (1 + m * n) * pow(hs, alpha, n2) % n2
        assert L(pow(c_textbook, lam, n2), n) * mu % n == m
        assert L(pow(c_djn, lam, n2), n) * mu % n == m
        tc += 1
        cases.append({"tcId": tc, "desc": f"{bits}-bit key, plaintext #{k}", "result": "valid",
                      "p": str(p), "q": str(q), "hs": str(hs), "m": str(m), "r": str(r),
                      "alpha": str(alpha), "ciphertextTextbook": str(c_textbook), "ciphertextDJN": str(c_djn)})
    # homomorphic sum and scalar product on the last two ciphertexts
    a, b = rng.randrange(n), rng.randrange(n)
    ca = (1 + a * n) * pow(rng.randrange(1, n), n, n2) % n2
    cb = (1 + b * n) * pow(rng.randrange(1, n), n, n2) % n2
    k = rng.randrange(n)
    tc += 1
    cases.append({"tcId": tc, "desc": f"{bits}-bit homomorphic add and scalar", "result": "valid",
                  "p": str(p), "q": str(q), "hs": str(hs), "a": str(a), "b": str(b),
                  "ca": str(ca), "cb": str(cb), "k": str(k),
                  "sum": str((a + b) % n), "scaled": str(k * a % n), "sumPlain": str((a + k) % n)})
    for desc, bad in (("zero ciphertext", 0), ("ciphertext equal to n squared", n2),
                      ("ciphertext sharing a factor with n", p * rng.randrange(1, q)),
                      ("negative ciphertext", -5)):
        tc += 1
        cases.append({"tcId": tc, "desc": f"{bits}-bit {desc}", "result": "invalid",
                      "p": str(p), "q": str(q), "hs": str(hs), "ciphertext": str(bad)})

(out_dir / "encrypt.json").write_text(json.dumps(
    {"algorithm": "paillier", "source": "protocols/tools/paillier_vectors.py", "cases": cases}, indent=1) + "\n")

# Threshold Paillier, trusted dealer [DJ01 §4.1], 512-bit n from 256-bit safe primes.
tcases = []
p, q = safe_prime(256), safe_prime(256)
n = p * q; n2 = n * n; m_ = ((p - 1) // 2) * ((q - 1) // 2)
d = m_ * pow(m_, -1, n)
for (t, l) in ((2, 3), (3, 5)):
    coeffs = [d] + [rng.randrange(n * m_) for _ in range(t - 1)]
    shares = [sum(a * i**k for k, a in enumerate(coeffs)) % (n * m_) for i in range(1, l + 1)]
    delta = math.factorial(l)
    rv = rng.randrange(1, n2)
    v = rv * rv % n2
    vks = [pow(v, delta * s, n2) for s in shares]
    x = rng.randrange(1, n)
    hs = pow((-x * x) % n, n, n2)
    msg = rng.randrange(n)
    c = (1 + msg * n) * pow(rng.randrange(1, n), n, n2) % n2
    dshares = [pow(c, 2 * delta * s, n2) for s in shares]
    # combine with the last t parties
    S = list(range(l - t + 1, l + 1))
    cprime = 1
    for i in S:
        num, den = delta, 1
        for j in S:
            if j != i: num *= j; den *= (j - i)
        assert num % den == 0
        mu = num // den
        cprime = cprime * pow(dshares[i - 1], 2 * mu, n2) % n2
    recovered = L(cprime, n) * pow(4 * delta * delta, -1, n) % n
    assert recovered == msg
    tcases.append({"tcId": len(tcases) + 1, "desc": f"{t}-of-{l}, combine parties {S}", "result": "valid",
                   "p": str(p), "q": str(q), "threshold": t, "parties": l,
                   "coefficients": [str(a) for a in coeffs], "v": str(v), "hs": str(hs),
                   "keyShares": [str(s) for s in shares], "verificationKeys": [str(x) for x in vks],
                   "message": str(msg), "ciphertext": str(c),
                   "decryptionShares": [str(x) for x in dshares], "combineParties": S})
(out_dir / "threshold.json").write_text(json.dumps(
    {"algorithm": "threshold-paillier", "source": "protocols/tools/paillier_vectors.py", "cases": tcases}, indent=1) + "\n")

# Batch decryption shares (protocols/paillier.md#batch-decryption-shares): one key holder's
# shares of K ciphertexts, the batch seed, the coefficients rho_j, the combined pair (C, C_i) and
# a proof with a given commitment exponent r, on the threshold cases' keys.
import hashlib

def lp(x):
    b = x.to_bytes((x.bit_length() + 7) // 8, "big")
    return len(b).to_bytes(4, "big") + b

bcases = []
for case in tcases:
    p, q = int(case["p"]), int(case["q"])
    n = p * q; n2 = n * n
    l = case["parties"]; delta = math.factorial(l)
    v = int(case["v"]); vks = [int(x) for x in case["verificationKeys"]]
    for (i, K) in ((1, 1), (2, 5)):
        s_i = int(case["keyShares"][i - 1]); x = delta * s_i
        cts = []
        while len(cts) < K:
            c = rng.randrange(1, n2)
            if math.gcd(c, n) == 1: cts.append(c)
        shares = [pow(c, 2 * x, n2) for c in cts]
        seed = hashlib.sha256(b"covenant/paillier/batch-decryption-shares/v1" + lp(n) + lp(v) + lp(i) + lp(vks[i - 1])
                              + K.to_bytes(4, "big") + b"".join(lp(c) for c in cts) + b"".join(lp(c) for c in shares)).digest()
        rhos = [int.from_bytes(hashlib.sha256(seed + j.to_bytes(4, "big")).digest()[:16], "big") for j in range(1, K + 1)]
        C, CI = 1, 1
        for c, ci, rho in zip(cts, shares, rhos):
            C = C * pow(c, rho, n2) % n2; CI = CI * pow(ci, rho, n2) % n2
        r = rng.getrandbits(n2.bit_length() + delta.bit_length() + 384) + 1
        a = pow(pow(C, 4, n2), r, n2); b = pow(v, r, n2)
        e = int.from_bytes(hashlib.sha256(b"covenant/paillier/batch-decryption-share-proof/v1" + lp(n) + lp(v) + lp(i)
                                          + lp(C) + lp(CI) + lp(vks[i - 1]) + lp(a) + lp(b) + seed).digest(), "big")
        z = r + e * x
        bcases.append({"tcId": len(bcases) + 1, "desc": f"threshold case {case['tcId']}, party {i}, {K} ciphertexts",
                       "result": "valid", "thresholdCase": case["tcId"], "party": i, "ciphertexts": [str(c) for c in cts],
                       "shares": [str(c) for c in shares], "seed": seed.hex(), "coefficients": [str(r_) for r_ in rhos],
                       "combinedCiphertext": str(C), "combinedShare": str(CI), "nonce": str(r),
                       "challenge": str(e), "response": str(z)})
(out_dir / "batch-decryption.json").write_text(json.dumps(
    {"algorithm": "threshold-paillier-batch-decryption-shares", "source": "protocols/tools/paillier_vectors.py",
     "cases": bcases}, indent=1) + "\n")
print(len(cases), "encrypt cases,", len(tcases), "threshold cases,", len(bcases), "batch cases")
