#!/usr/bin/env python3
"""Independent reference values for protocols/beaver.md (version 1).

Writes protocols/beaver/vectors/v1/{field127,comparison}.json. Written from the spec, not from
the Swift code: Python integers for arithmetic modulo p = 2^127 - 1, and SplitMix64 for the test
generator (_TestSupport's DeterministicRNG). Deterministic; no third-party packages.
"""
import hashlib, json, pathlib, struct

P = (1 << 127) - 1
M64 = (1 << 64) - 1
OUT = pathlib.Path(__file__).resolve().parents[1] / "beaver/vectors/v1"


class SplitMix64:
    def __init__(self, seed): self.state = seed & M64
    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & M64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
        return z ^ (z >> 31)


def random_element(rng):
    """Spec (the field): two words, high first, masked to 127 bits, p rejected."""
    while True:
        high, low = rng.next(), rng.next()
        c = ((high << 64) | low) & P
        if c != P: return c


def sqrt(a):
    """p = 3 mod 4: the root is a^((p+1)/4); None for a non-square."""
    s = pow(a, (P + 1) // 4, P)
    return s if s * s % P == a % P else None


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    rng = SplitMix64(0xBEA7E12)
    edges = [0, 1, 2, P - 1, P - 2, (P - 1) // 2, (P + 1) // 2, 1 << 64, (1 << 64) - 1, (1 << 126), 3]
    operands = edges + [random_element(rng) for _ in range(24)]
    cases, tc = [], 0
    def add(op, desc, a, b, result):
        nonlocal tc
        tc += 1
        cases.append({"tcId": tc, "desc": desc, "op": op, "a": str(a), "b": None if b is None else str(b),
                      "result": None if result is None else str(result)})
    for i, a in enumerate(operands):
        b = operands[(i * 7 + 3) % len(operands)]
        add("add", "a + b mod p", a, b, (a + b) % P)
        add("sub", "a - b mod p", a, b, (a - b) % P)
        add("mul", "a * b mod p", a, b, a * b % P)
        add("neg", "-a mod p", a, None, (-a) % P)
        add("inv", "a^-1 mod p (none for 0)", a, None, None if a == 0 else pow(a, P - 2, P))
        add("sqrt", "a^((p+1)/4) if a is a square, else none", a, None, sqrt(a))
        add("sqrt", "square of a: always has a root", a * a % P, None, sqrt(a * a % P))
    for v in [0, 1, -1, 2**63 - 1, -(2**63), -(2**63) + 1, 12345, -98765]:
        add("signed", "image of a signed 64-bit value", v, None, v % P)
    draws_rng = SplitMix64(42)
    draws = [str(random_element(draws_rng)) for _ in range(16)]
    (OUT / "field127.json").write_text(json.dumps({
        "description": "Arithmetic modulo p = 2^127 - 1 (protocols/beaver.md#the-field); decimal strings",
        "modulus": str(P), "cases": cases,
        "randomDraws": {"seed": 42, "desc": "random elements from SplitMix64(42), two words high first, masked, p rejected",
                        "values": draws}}, indent=1) + "\n")

    # Comparison oracle over signed 64-bit values: edges and pseudorandom pairs.
    cmp_rng = SplitMix64(7)
    def signed64(w): return w - (1 << 64) if w >> 63 else w
    imax, imin = 2**63 - 1, -(2**63)
    pairs = [(0, 0), (0, 1), (1, 0), (-1, 0), (0, -1), (-1, -1), (imax, imax), (imin, imin), (imax, imin),
             (imin, imax), (imax, -imax), (-imax, imax), (imin, imin + 1), (imin + 1, imin), (imax - 1, imax),
             (imax, imax - 1), (5, 5), (-5, 5), (5, -5), (1 << 62, -(1 << 62))]
    pairs += [(signed64(cmp_rng.next()), signed64(cmp_rng.next())) for _ in range(28)]
    pairs += [(x := signed64(cmp_rng.next()) >> 20, x + d) for d in (-1, 0, 1) for _ in range(4)]
    cmp_cases = [{"tcId": i + 1, "x": str(x), "y": str(y), "lessThan": x < y, "equal": x == y,
                  "min": str(min(x, y)), "max": str(max(x, y))} for i, (x, y) in enumerate(pairs)]
    lists = [[3, -7, 12, 0, 12], [imax, imin, 0], [imin], [-1, -1, -1], [imax, imax - 1, imax, imin + 1, imin, 17, -17]]
    lists += [[signed64(cmp_rng.next()) for _ in range(n)] for n in (2, 5, 10, 16, 33)]
    list_cases = [{"tcId": i + 1, "values": [str(v) for v in vs], "min": str(min(vs)), "max": str(max(vs))}
                  for i, vs in enumerate(lists)]
    (OUT / "comparison.json").write_text(json.dumps({
        "description": "Plaintext oracle for secure comparison, equality and min/max of signed 64-bit values "
                       "(protocols/beaver.md#comparison); decimal strings",
        "pairs": cmp_cases, "lists": list_cases}, indent=1) + "\n")


def u8(v): return struct.pack(">B", v)
def u32(v): return struct.pack(">I", v)
def u64(v): return struct.pack(">Q", v)


def layer_message(session, round_, sender, step, values):
    """Spec (messages): envelope(0x0531, header || u32 step || u32 count || elements || SHA-256)."""
    body = session + u8(round_) + u32(sender) + u32(step) + u32(len(values))
    for v in values: body += u64(v >> 64) + u64(v & M64)
    body += bytes(32)
    head = b"CVNT" + struct.pack(">H", 1) + struct.pack(">H", 0x0531) + u32(len(body))
    framed = head + body
    digest = hashlib.sha256(framed[:-32]).digest()
    return framed[:-32] + digest


def messages():
    session = bytes(range(32))
    valid = [
        ("empty layer", 7, 0, []),
        ("one element: p - 1", 2, 1, [P - 1]),
        ("three elements from a multiplication and an opening", 3, 41, [0, 1 << 64, (1 << 126) + 5]),
    ]
    cases = []
    for i, (desc, sender, step, values) in enumerate(valid):
        cases.append({"tcId": i + 1, "desc": desc, "result": "valid", "sender": sender, "step": step,
                      "values": [str(v) for v in values], "hex": layer_message(session, 1, sender, step, values).hex()})
    good = layer_message(session, 1, 2, 1, [P - 1])
    def rehash(b): return b[:-32] + hashlib.sha256(b[:-32]).digest()
    nonc = bytearray(good); nonc[-48:-32] = (P).to_bytes(16, "big")
    wrong_round = bytearray(good); wrong_round[12 + 32] = 2
    flipped = bytearray(good); flipped[-40] ^= 1
    invalid = [("element-equal-to-p", rehash(bytes(nonc))), ("round-field-not-1", rehash(bytes(wrong_round))),
               ("digest-mismatch", bytes(flipped)), ("trailing-garbage", good + b"\x00"),
               ("truncated-digest", good[:-1])]
    for j, (desc, b) in enumerate(invalid):
        cases.append({"tcId": len(valid) + j + 1, "desc": desc, "result": "invalid", "hex": b.hex()})
    (OUT / "messages.json").write_text(json.dumps({
        "description": "Encodings of the layer message (tag 0x0531, protocols/beaver.md#messages); session id 00 01 .. 1f",
        "session": session.hex(), "cases": cases}, indent=1) + "\n")


if __name__ == "__main__":
    messages()
    main()
