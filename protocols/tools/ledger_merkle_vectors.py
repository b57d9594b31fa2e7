#!/usr/bin/env python3
"""Known-answer vectors for the ledger's Merkle tree (protocols/ledger.md#merkle-tree).

Computes tree hashes, inclusion proofs and consistency proofs straight from the recursive
definitions of RFC 9162 §2.1 (MTH, PATH, PROOF/SUBPROOF) with hashlib, sharing no code with the
Swift implementation, and derives negative cases named after their mutation.

    python3 protocols/tools/ledger_merkle_vectors.py   # rewrites protocols/ledger/vectors/v1/*.json
"""
import hashlib
import json
import os

OUT = os.path.join(os.path.dirname(__file__), "..", "ledger", "vectors", "v1")

# The eight leaves of the RFC 6962 / certificate-transparency reference tests, then more.
LEAVES = [bytes.fromhex(h) for h in [
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
]] + [bytes([i]) * (i % 5 + 1) for i in range(8, 33)]


def sha(b):
    return hashlib.sha256(b).digest()


def leaf_hash(d):
    return sha(b"\x00" + d)


def node_hash(l, r):
    return sha(b"\x01" + l + r)


def k_of(n):
    """The largest power of two strictly smaller than n (n >= 2)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(d):
    n = len(d)
    if n == 0:
        return sha(b"")
    if n == 1:
        return leaf_hash(d[0])
    k = k_of(n)
    return node_hash(mth(d[:k]), mth(d[k:]))


def path(m, d):
    n = len(d)
    if n <= 1:
        return []
    k = k_of(n)
    if m < k:
        return path(m, d[:k]) + [mth(d[k:])]
    return path(m - k, d[k:]) + [mth(d[:k])]


def subproof(m, d, b):
    n = len(d)
    if m == n:
        return [] if b else [mth(d)]
    k = k_of(n)
    if m <= k:
        return subproof(m, d[:k], b) + [mth(d[k:])]
    return subproof(m - k, d[k:], False) + [mth(d[:k])]


def proof(m, d):
    if m == 0 or m == len(d):
        return []
    return subproof(m, d, True)


def verify_inclusion(index, size, leaf, root, p):
    """RFC 9162 §2.1.3.2, used only to drop mutations that happen to remain valid."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for x in p:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(x, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, x)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(first, second, r1, r2, p):
    """RFC 9162 §2.1.4.2 (plus the equal-size and empty-tree conventions of protocols/ledger.md)."""
    if first > second:
        return False
    if first == second:
        return not p and r1 == r2
    if first == 0:
        return not p
    if not p:
        return False
    p = list(p)
    if first & (first - 1) == 0:
        p = [r1] + p
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = p[0]
    for c in p[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == r1 and sr == r2


def hx(b):
    return b.hex()


def flip(b):
    return bytes([b[0] ^ 0x01]) + b[1:]


def tree_hashes():
    cases = []
    for n in range(0, len(LEAVES) + 1):
        cases.append({
            "tcId": len(cases) + 1,
            "desc": f"root of the first {n} leaves",
            "result": "valid",
            "size": n,
            "root": hx(mth(LEAVES[:n])),
        })
    return {
        "algorithm": "RFC 9162 §2.1.1 Merkle tree hash (SHA-256, 0x00 leaf / 0x01 node prefixes)",
        "generator": "protocols/tools/ledger_merkle_vectors.py",
        "leaves": [hx(l) for l in LEAVES],
        "leafHashes": [hx(leaf_hash(l)) for l in LEAVES],
        "cases": cases,
    }


def inclusion():
    cases = []

    def add(desc, result, index, size, leaf, root, p, mutation=None):
        ok = verify_inclusion(index, size, leaf, root, p)
        assert ok == (result == "valid") or mutation, desc
        if mutation and ok:
            return  # this mutation leaves the proof valid for this shape (e.g. size 7 -> 8 for leaf 2)
        case = {
            "tcId": len(cases) + 1, "desc": desc, "result": result,
            "leafIndex": index, "treeSize": size, "leafHash": hx(leaf), "root": hx(root),
            "path": [hx(x) for x in p],
        }
        if mutation:
            case["mutation"] = mutation
        cases.append(case)

    for n in range(1, 18):
        d = LEAVES[:n]
        root = mth(d)
        for m in range(n):
            add(f"leaf {m} of {n}", "valid", m, n, leaf_hash(d[m]), root, path(m, d))
    # Negative cases on a few shapes, each named after its mutation.
    for (m, n) in [(0, 8), (5, 8), (2, 7), (6, 7), (10, 17), (16, 17), (3, 5)]:
        d = LEAVES[:n]
        root = mth(d)
        p = path(m, d)
        leaf = leaf_hash(d[m])
        tag = f"leaf {m} of {n}"
        add(f"{tag}: last sibling removed", "invalid", m, n, leaf, root, p[:-1], "truncated-proof")
        add(f"{tag}: extra sibling appended", "invalid", m, n, leaf, root, p + [leaf], "extended-proof")
        if len(p) >= 2:
            q = list(p)
            q[0], q[1] = q[1], q[0]
            add(f"{tag}: first two siblings swapped", "invalid", m, n, leaf, root, q, "swapped-siblings")
        add(f"{tag}: root of another tree", "invalid", m, n, leaf, mth(d[:-1]) if n > 1 else sha(b"x"), p, "wrong-root")
        add(f"{tag}: another leaf", "invalid", m, n, leaf_hash(b"not in the tree"), root, p, "wrong-leaf")
        add(f"{tag}: a bit flipped in a sibling", "invalid", m, n, leaf, root, [flip(p[0])] + p[1:], "flipped-sibling")
        add(f"{tag}: neighbouring index", "invalid", (m + 1) % n, n, leaf, root, p, "wrong-index")
        add(f"{tag}: tree size + 1", "invalid", m, n + 1, leaf, root, p, "wrong-size")
        add(f"{tag}: empty path", "invalid", m, n, leaf, root, [], "empty-proof")
        add(f"{tag}: leaf hash given as unprefixed SHA-256", "invalid", m, n, sha(d[m]), root, p, "unprefixed-leaf")
    add("index equal to the size", "invalid", 4, 4, leaf_hash(LEAVES[0]), mth(LEAVES[:4]), path(0, LEAVES[:4]), "index-out-of-range")
    return {"algorithm": "RFC 9162 §2.1.3 inclusion proofs", "generator": "protocols/tools/ledger_merkle_vectors.py", "cases": cases}


def consistency():
    cases = []

    def add(desc, result, first, second, r1, r2, p, mutation=None):
        ok = verify_consistency(first, second, r1, r2, p)
        assert ok == (result == "valid") or mutation, desc
        if mutation and ok:
            return  # this mutation leaves the proof valid for this shape
        case = {
            "tcId": len(cases) + 1, "desc": desc, "result": result,
            "firstSize": first, "secondSize": second, "firstRoot": hx(r1), "secondRoot": hx(r2),
            "path": [hx(x) for x in p],
        }
        if mutation:
            case["mutation"] = mutation
        cases.append(case)

    for n in range(1, 18):
        for m in range(0, n + 1):
            d = LEAVES[:n]
            add(f"{m} to {n}", "valid", m, n, mth(LEAVES[:m]), mth(d), proof(m, d))
    for (m, n) in [(3, 8), (4, 8), (6, 8), (1, 2), (7, 17), (13, 17), (5, 7)]:
        d = LEAVES[:n]
        r1, r2 = mth(LEAVES[:m]), mth(d)
        p = proof(m, d)
        tag = f"{m} to {n}"
        add(f"{tag}: last hash removed", "invalid", m, n, r1, r2, p[:-1], "truncated-proof")
        add(f"{tag}: extra hash appended", "invalid", m, n, r1, r2, p + [r1], "extended-proof")
        if len(p) >= 2:
            q = list(p)
            q[0], q[1] = q[1], q[0]
            add(f"{tag}: first two hashes swapped", "invalid", m, n, r1, r2, q, "swapped-siblings")
        add(f"{tag}: wrong first root", "invalid", m, n, flip(r1), r2, p, "wrong-first-root")
        add(f"{tag}: wrong second root", "invalid", m, n, r1, flip(r2), p, "wrong-root")
        add(f"{tag}: first size - 1", "invalid", m - 1, n, r1, r2, p, "wrong-first-size")
        add(f"{tag}: second size + 1", "invalid", m, n + 1, r1, r2, p, "wrong-size")
        add(f"{tag}: empty proof", "invalid", m, n, r1, r2, [], "empty-proof")
        add(f"{tag}: a bit flipped in a hash", "invalid", m, n, r1, r2, [flip(p[0])] + p[1:], "flipped-sibling")
    add("first size above second", "invalid", 5, 3, mth(LEAVES[:5]), mth(LEAVES[:3]), [], "sizes-reversed")
    add("equal sizes, different roots", "invalid", 4, 4, mth(LEAVES[:4]), mth(LEAVES[1:5]), [], "wrong-root")
    add("equal sizes with a non-empty proof", "invalid", 4, 4, mth(LEAVES[:4]), mth(LEAVES[:4]), [mth(LEAVES[:2])], "extended-proof")
    return {"algorithm": "RFC 9162 §2.1.4 consistency proofs", "generator": "protocols/tools/ledger_merkle_vectors.py", "cases": cases}


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, data in [("tree-hashes", tree_hashes()), ("inclusion", inclusion()), ("consistency", consistency())]:
        with open(os.path.join(OUT, name + ".json"), "w") as f:
            json.dump(data, f, indent=1)
            f.write("\n")
        print(f"{name}: {len(data['cases'])} cases")


if __name__ == "__main__":
    main()
