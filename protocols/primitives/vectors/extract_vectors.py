#!/usr/bin/env python3
"""Extract known-answer vectors for protocols/primitives.md into vectors/v1/*.json.

A vector-extraction tool only: it reads the test-vector files shipped in the PyPI package
`cryptography_vectors` (pip install cryptography_vectors; NIST CAVP, RFC 3686, RFC 5869,
RFC 7748 and the Ed25519 sign.input set whose first three lines are RFC 8032 §7.1 TESTs 1-3).
The few values not in that package are quoted from the cited standard, and the Covenant
commitment vectors are computed with Python's hashlib from the construction in
protocols/primitives.md. Negative cases are named after their mutation.
Usage: python3 extract_vectors.py [output-dir]
"""
import hashlib, json, os, sys
import cryptography_vectors as cv

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "v1")

def text(path):
    with cv.open_vector_file(path, "r") as f:
        return f.read()

def records(path, key="COUNT"):
    """Blocks of KEY = VALUE lines (CAVP .rsp style); bare words such as FAIL become flags."""
    out, cur = [], None
    for line in text(path).splitlines():
        line = line.strip()
        if not line or line.startswith("#") or line.startswith("["):
            continue
        if "=" in line:
            k, v = (s.strip() for s in line.split("=", 1))
            if k.upper() == key.upper():
                cur = {}
                out.append(cur)
            if cur is not None:
                cur[k.upper()] = v.lower()
        elif cur is not None:
            cur[line.upper()] = True
    return out

def write(name, algorithm, source, cases):
    for i, case in enumerate(cases, 1):
        case["tcId"] = i
    doc = {"algorithm": algorithm, "source": source,
           "cases": [{"tcId": c.pop("tcId"), **c} for c in cases]}
    with open(os.path.join(OUT, name), "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    print(f"{name}: {len(cases)} cases")

def flip(hexstr, byte, bit=0):
    b = bytearray.fromhex(hexstr)
    b[byte] ^= 1 << bit
    return b.hex()

# SHA-256: NIST CAVP SHAVS ShortMsg/LongMsg, byte-oriented, plus FIPS 180-4 "abc".
sha = [{"desc": "FIPS 180-4 example: abc", "result": "valid", "message": b"abc".hex(),
        "digest": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"}]
for r in records("hashes/SHA2/SHA256ShortMsg.rsp", "Len"):
    n = int(r["LEN"]) // 8
    if n in (0, 1, 2, 3, 4, 8, 31, 32, 55, 56, 57, 63, 64):
        sha.append({"desc": f"SHAVS ShortMsg Len={r['LEN']}", "result": "valid",
                    "message": r["MSG"] if n else "", "digest": r["MD"]})
for r in records("hashes/SHA2/SHA256LongMsg.rsp", "Len")[:3]:
    sha.append({"desc": f"SHAVS LongMsg Len={r['LEN']}", "result": "valid",
                "message": r["MSG"], "digest": r["MD"]})
write("sha256-nist.json", "SHA-256",
      "NIST CAVP SHAVS SHA256ShortMsg.rsp/SHA256LongMsg.rsp and FIPS 180-4 example, via PyPI cryptography_vectors", sha)

# Ed25519: sign.input lines are sk(seed||pk):pk:msg:sig||msg:. Lines 1-3 and 1024 are
# RFC 8032 §7.1 TEST 1, 2, 3 and 1024.
lines = text("asymmetric/Ed25519/sign.input").splitlines()
L = 2**252 + 27742317777372353535851937790883648493
ed = []
picks = {0: "RFC 8032 §7.1 TEST 1 (empty message)", 1: "RFC 8032 §7.1 TEST 2",
         2: "RFC 8032 §7.1 TEST 3", 1023: "RFC 8032 §7.1 TEST 1024"}
for i in (0, 1, 2, 7, 31, 63, 64, 100, 255, 256, 511, 777, 1023):
    sk, pk, msg, sigmsg, _ = lines[i].split(":")
    ed.append({"desc": picks.get(i, f"sign.input line {i + 1} ({len(msg) // 2}-byte message)"),
               "result": "valid", "seed": sk[:64], "publicKey": pk, "message": msg,
               "signature": sigmsg[:128]})
t1, t2, t3 = ed[0], ed[1], ed[2]
def bad(desc, base, **kw):
    c = {"desc": desc, "result": "invalid", "seed": "", "publicKey": base["publicKey"],
         "message": base["message"], "signature": base["signature"]}
    c.update(kw)
    return c
s = int.from_bytes(bytes.fromhex(t2["signature"][64:]), "little")
ed += [
    bad("flipped-bit-in-signature-R (TEST 2)", t2, signature=flip(t2["signature"], 0)),
    bad("flipped-bit-in-signature-S (TEST 2)", t2, signature=flip(t2["signature"], 40, 3)),
    bad("flipped-bit-in-message (TEST 2)", t2, message=flip(t2["message"], 0)),
    bad("appended-byte-to-message (TEST 3)", t3, message=t3["message"] + "00"),
    bad("wrong-public-key (TEST 3 signature, TEST 2 key)", t3, publicKey=t2["publicKey"]),
    bad("truncated-signature (63 bytes, TEST 2)", t2, signature=t2["signature"][:126]),
    bad("extended-signature (65 bytes, TEST 2)", t2, signature=t2["signature"] + "00"),
    bad("non-canonical-S (S + L, RFC 8032 §5.1.7 requires S < L)", t2,
        signature=t2["signature"][:64] + (s + L).to_bytes(32, "little").hex()),
    bad("all-zero-signature (TEST 1 key)", t1, signature="00" * 64),
    bad("truncated-public-key (31 bytes)", t2, publicKey=t2["publicKey"][:62]),
]
write("ed25519-rfc8032.json", "Ed25519",
      "RFC 8032 §7.1 and the Ed25519 sign.input set (ed25519.cr.yp.to), via PyPI cryptography_vectors; mutations derived", ed)

# X25519: RFC 7748 §5.2 (function vectors) and §6.1 (Alice/Bob, quoted from the RFC).
xs = [{"desc": f"RFC 7748 §5.2 vector {r['COUNT']}", "result": "valid", "privateKey": r["INPUT_SCALAR"],
       "publicKey": "", "peerPublicKey": r["INPUT_U"], "sharedSecret": r["OUTPUT_U"]}
      for r in records("asymmetric/X25519/rfc7748.txt")]
alice = ("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
         "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a")
bob = ("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb",
       "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f")
k = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"
xs += [{"desc": "RFC 7748 §6.1 Alice", "result": "valid", "privateKey": alice[0], "publicKey": alice[1],
        "peerPublicKey": bob[1], "sharedSecret": k},
       {"desc": "RFC 7748 §6.1 Bob", "result": "valid", "privateKey": bob[0], "publicKey": bob[1],
        "peerPublicKey": alice[1], "sharedSecret": k},
       {"desc": "peer-public-key-high-bit-set (RFC 7748 §5: masked)", "result": "valid",
        "privateKey": alice[0], "publicKey": alice[1], "peerPublicKey": flip(bob[1], 31, 7), "sharedSecret": k}]
# Points of order 1, 2, 4 and 8 (and non-canonical encodings of them): X25519 output is zero.
low = {"0 (order 2)": "00" * 32, "1 (order 4)": "01" + "00" * 31,
       "order-8 point e0eb7a7c": "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
       "order-8 point 5f9c95bc": "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
       "p - 1 (order 2)": "ec" + "ff" * 30 + "7f", "p (non-canonical 0)": "ed" + "ff" * 30 + "7f",
       "p + 1 (non-canonical 1)": "ee" + "ff" * 30 + "7f",
       "0 with high bit set": "00" * 31 + "80"}
for name, u in low.items():
    xs.append({"desc": f"low-order-peer-point {name} gives all-zero secret", "result": "invalid",
               "error": "allZeroSharedSecret", "privateKey": alice[0], "publicKey": "",
               "peerPublicKey": u, "sharedSecret": ""})
xs += [{"desc": "truncated-peer-public-key (31 bytes)", "result": "invalid", "error": "invalidKeyLength",
        "privateKey": alice[0], "publicKey": "", "peerPublicKey": bob[1][:62], "sharedSecret": ""},
       {"desc": "truncated-private-key (31 bytes)", "result": "invalid", "error": "invalidKeyLength",
        "privateKey": alice[0][:62], "publicKey": "", "peerPublicKey": bob[1], "sharedSecret": ""}]
write("x25519-rfc7748.json", "X25519",
      "RFC 7748 §5.2 via PyPI cryptography_vectors; §6.1 quoted from RFC 7748; low-order u-coordinates as listed at cr.yp.to/ecdh.html", xs)

# HKDF-SHA256: RFC 5869 Appendix A.1-A.3.
hk = [{"desc": f"RFC 5869 A.{r['COUNT']}", "result": "valid", "ikm": r["IKM"], "salt": r.get("SALT", ""),
       "info": r.get("INFO", ""), "length": int(r["L"]), "okm": r["OKM"]}
      for r in records("KDF/rfc-5869-HKDF-SHA256.txt")]
hk += [{"desc": "output-too-long (L = 255 * 32 + 1, RFC 5869 §2.3)", "result": "invalid",
        "error": "invalidOutputLength", "ikm": hk[0]["ikm"], "salt": hk[0]["salt"], "info": hk[0]["info"],
        "length": 255 * 32 + 1, "okm": ""},
       {"desc": "negative-output-length", "result": "invalid", "error": "invalidOutputLength",
        "ikm": hk[0]["ikm"], "salt": hk[0]["salt"], "info": hk[0]["info"], "length": -1, "okm": ""}]
write("hkdf-rfc5869.json", "HKDF-SHA256", "RFC 5869 Appendix A via PyPI cryptography_vectors", hk)

# AES-128-CTR keystream: SP 800-38A F.5.1 (quoted), RFC 3686 §6 (package), and the AESAVS
# KeySbox/VarKey ECB vectors with an all-zero plaintext, which are the first keystream block
# of the zero-IV generator.
ctr = [{"desc": "SP 800-38A F.5.1 CTR-AES128.Encrypt", "result": "valid",
        "key": "2b7e151628aed2a6abf7158809cf4f3c", "iv": "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
        "plaintext": "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
                     "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710",
        "ciphertext": "874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff"
                      "5ae4df3edbd5d35e5b4f09020db03eab1e031dda2fbe03d1792170a0f3009cee"}]
for r in records("ciphers/AES/CTR/aes-128-ctr.txt"):
    ctr.append({"desc": f"RFC 3686 AES-128-CTR vector {int(r['COUNT']) + 1}", "result": "valid",
                "key": r["KEY"], "iv": r["IV"], "plaintext": r["PLAINTEXT"], "ciphertext": r["CIPHERTEXT"]})
for f, picks in (("ECBKeySbox128.rsp", (0, 1, 2, 10, 20)), ("ECBVarKey128.rsp", (0, 63, 127))):
    rs = [r for r in records(f"ciphers/AES/ECB/{f}") if "CIPHERTEXT" in r and r["PLAINTEXT"] == "00" * 16]
    rs = list({r["KEY"]: r for r in reversed(rs)}.values())[::-1]  # [ENCRYPT] and [DECRYPT] repeat
    for i in picks:
        r = rs[i]
        ctr.append({"desc": f"zero-IV first block = AESAVS {f} COUNT {r['COUNT']}", "result": "valid",
                    "key": r["KEY"], "iv": "00" * 16, "plaintext": "00" * 16, "ciphertext": r["CIPHERTEXT"]})
f51 = ctr[0]
ctr += [{**f51, "desc": "truncated-key (15 bytes)", "result": "invalid", "error": "invalidKeyLength",
         "key": f51["key"][:30]},
        {**f51, "desc": "extended-key (AES-256 length, 32 bytes)", "result": "invalid", "error": "invalidKeyLength",
         "key": f51["key"] * 2},
        {**f51, "desc": "truncated-iv (12 bytes)", "result": "invalid", "error": "invalidNonceLength",
         "iv": f51["iv"][:24]}]
write("aes128-ctr-sp800-38a.json", "AES-128-CTR",
      "NIST SP 800-38A F.5.1 (quoted); RFC 3686 §6 and NIST AESAVS ECBKeySbox128/ECBVarKey128 via PyPI cryptography_vectors", ctr)

# AES-256-GCM: NIST CAVP gcmEncryptExtIV256 / gcmDecrypt256, 96-bit IV, 128-bit tag.
def gcm_records(path):
    out, params = [], {}
    cur = None
    for line in text(path).splitlines():
        line = line.strip()
        if line.startswith("["):
            k, v = line.strip("[]").split("=")
            params[k.strip()] = int(v)
        elif "=" in line:
            k, v = (s.strip() for s in line.split("=", 1))
            if k == "Count":
                cur = {"params": dict(params)}
                out.append(cur)
            cur[k] = v.lower()
        elif line == "FAIL":
            cur["FAIL"] = True
    return [r for r in out if r["params"]["IVlen"] == 96 and r["params"]["Taglen"] == 128]
gcm, seen = [], set()
for r in gcm_records("ciphers/AES/GCM/gcmEncryptExtIV256.rsp"):
    shape = (r["params"]["PTlen"], r["params"]["AADlen"])
    if shape in seen or shape[1] not in (0, 128, 720):
        continue
    seen.add(shape)
    gcm.append({"desc": f"gcmEncryptExtIV256 PTlen={shape[0]} AADlen={shape[1]} Count={r['Count']}",
                "result": "valid", "key": r["Key"], "iv": r["IV"], "aad": r["AAD"],
                "plaintext": r["PT"], "ciphertext": r["CT"], "tag": r["Tag"]})
fails = [r for r in gcm_records("ciphers/AES/GCM/gcmDecrypt256.rsp") if r.get("FAIL")]
for r in fails[:: max(1, len(fails) // 4)][:4]:
    p = r["params"]
    gcm.append({"desc": f"gcmDecrypt256 FAIL PTlen={p['PTlen']} AADlen={p['AADlen']} Count={r['Count']}",
                "result": "invalid", "error": "authenticationFailure", "key": r["Key"], "iv": r["IV"],
                "aad": r["AAD"], "plaintext": "", "ciphertext": r["CT"], "tag": r["Tag"]})
base = next(c for c in gcm if c["aad"] and c["plaintext"])
def gbad(desc, error, **kw):
    c = {**base, "desc": desc, "result": "invalid", "error": error}
    c.update(kw)
    return c
gcm += [gbad("tampered-ciphertext (bit 0 of byte 0)", "authenticationFailure", ciphertext=flip(base["ciphertext"], 0)),
        gbad("tampered-tag (last bit)", "authenticationFailure", tag=flip(base["tag"], 15, 7)),
        gbad("tampered-aad", "authenticationFailure", aad=flip(base["aad"], 3, 2)),
        gbad("missing-aad", "authenticationFailure", aad=""),
        gbad("tampered-nonce", "authenticationFailure", iv=flip(base["iv"], 11)),
        gbad("wrong-key (last bit)", "authenticationFailure", key=flip(base["key"], 31)),
        gbad("truncated-ciphertext", "authenticationFailure", ciphertext=base["ciphertext"][:-2]),
        gbad("truncated-tag (15 bytes)", "invalidTagLength", tag=base["tag"][:30]),
        gbad("wrong-key-length (AES-128 key)", "invalidKeyLength", key=base["key"][:32]),
        gbad("wrong-nonce-length (8 bytes)", "invalidNonceLength", iv=base["iv"][:16])]
write("aes256-gcm-nist.json", "AES-256-GCM",
      "NIST CAVP gcmEncryptExtIV256.rsp/gcmDecrypt256.rsp (IVlen 96, Taglen 128) via PyPI cryptography_vectors; mutations derived", gcm)

# Covenant hash commitment v1 (protocols/primitives.md), computed here with hashlib.
TAG = b"covenant/commitment/v1"
def commit(msg, nonce):
    return hashlib.sha256(TAG + nonce + len(msg).to_bytes(8, "big") + msg).hexdigest()
nonces = [bytes(32), bytes(range(32)), hashlib.sha256(b"covenant test nonce").digest()]
msgs = [b"", b"\x00", b"abc", bytes(range(256)) * 3]
com = []
for n in nonces:
    for m in msgs:
        com.append({"desc": f"{len(m)}-byte message", "result": "valid", "message": m.hex(),
                    "nonce": n.hex(), "commitment": commit(m, n)})
ok = com[6]
com += [{**ok, "desc": "flipped-bit-in-message", "result": "invalid", "message": flip(ok["message"], 1)},
        {**ok, "desc": "flipped-bit-in-nonce", "result": "invalid", "nonce": flip(ok["nonce"], 31, 7)},
        {**ok, "desc": "flipped-bit-in-commitment", "result": "invalid", "commitment": flip(ok["commitment"], 0)},
        {**ok, "desc": "appended-byte-to-message", "result": "invalid", "message": ok["message"] + "00"},
        {**ok, "desc": "truncated-nonce (31 bytes)", "result": "invalid", "error": "invalidNonceLength",
         "nonce": ok["nonce"][:62]},
        {**ok, "desc": "missing-domain-tag (plain SHA-256 of nonce||len||message)", "result": "invalid",
         "commitment": hashlib.sha256(bytes.fromhex(ok["nonce"]) + (3).to_bytes(8, "big") + b"abc").hexdigest()}]
write("commitment-v1.json", "Covenant hash commitment v1",
      "protocols/primitives.md#hash-commitment, computed with Python hashlib (independent of the Swift code)", com)
