#!/usr/bin/env python3
"""Independent reference encodings for protocols/wire-format.md (version 1).

Writes protocols/wire-format/vectors/v1/encodings.json. Deterministic; standard library only.
The encoder below is written from the spec, not from the Swift code.
"""
import json, pathlib, random

def u8(v): return v.to_bytes(1, "big")
def u16(v): return v.to_bytes(2, "big")
def u32(v): return v.to_bytes(4, "big")
def u64(v): return v.to_bytes(8, "big")
def bstr(b): return u32(len(b)) + b
def bigint(v):
    mag = abs(v).to_bytes((abs(v).bit_length() + 7) // 8, "big")
    return u8(1 if v < 0 else 0) + bstr(mag)
def arr(items, enc): return u32(len(items)) + b"".join(enc(x) for x in items)
def envelope(tag, body): return b"CVNT" + u16(1) + u16(tag) + u32(len(body)) + body

cases = []
def valid(typ, desc, value, enc):
    cases.append({"tcId": len(cases) + 1, "desc": desc, "result": "valid", "type": typ,
                  "value": value, "hex": enc.hex()})
def invalid(typ, desc, enc, error):
    cases.append({"tcId": len(cases) + 1, "desc": desc, "result": "invalid", "type": typ,
                  "hex": enc.hex(), "error": error})

for v in (0, 1, 0x7F, 0xFF): valid("u8", f"u8 {v}", str(v), u8(v))
for v in (0, 0x0102, 0xFFFF): valid("u16", f"u16 {v}", str(v), u16(v))
for v in (0, 0x01020304, 0xFFFFFFFF): valid("u32", f"u32 {v}", str(v), u32(v))
for v in (0, 1, 0x0102030405060708, 2**64 - 1): valid("u64", f"u64 {v}", str(v), u64(v))
valid("bool", "false", "0", u8(0)); valid("bool", "true", "1", u8(1))
for b in (b"", b"\x00", b"Covenant", bytes(range(256))):
    valid("bytes", f"byte string of {len(b)} bytes", b.hex(), bstr(b))
rng = random.Random(20261125)
for v in (0, 1, -1, 127, 128, 255, 256, -256, 2**63, 2**64, -(2**64) + 1,
          rng.getrandbits(1024), -rng.getrandbits(2048)):
    valid("bigint", f"bigint {v.bit_length()}-bit {'negative' if v < 0 else 'non-negative'}", str(v), bigint(v))
for xs in ([], [0], [1, 2**64 - 1, 0x0102030405060708]):
    valid("array<u64>", f"array of {len(xs)} u64", [str(x) for x in xs], arr(xs, u64))
xs = [0, -5, 2**100]
valid("array<bigint>", "array of 3 bigints", [str(x) for x in xs], arr(xs, bigint))
valid("envelope", "envelope tag 0x00f0 around bigint 300", {"tag": 0xF0, "body": str(300)},
      envelope(0xF0, bigint(300)))

# Negative cases, named after the mutation.
invalid("u64", "u64-truncated", u64(5)[:7], "truncated")
invalid("u32", "u32-empty", b"", "truncated")
invalid("bool", "bool-two", u8(2), "invalidValue")
invalid("bytes", "bytes-truncated-body", u32(5) + b"abc", "truncated")
invalid("bytes", "bytes-huge-claimed-length", u32(0xFFFFFFFF) + b"abc", "lengthExceedsLimit")
invalid("bytes", "trailing-garbage", bstr(b"ab") + b"\x00", "trailingBytes")
invalid("bigint", "bigint-leading-zero", u8(0) + u32(2) + b"\x00\x05", "invalidValue")
invalid("bigint", "bigint-negative-zero", u8(1) + u32(0), "invalidValue")
invalid("bigint", "bigint-bad-sign-byte", u8(2) + u32(1) + b"\x05", "invalidValue")
invalid("bigint", "bigint-truncated-magnitude", u8(0) + u32(3) + b"\x01\x02", "truncated")
invalid("bigint", "bigint-huge-claimed-length", u8(0) + u32(0xFFFFFFFF) + b"\x01\x02\x03", "lengthExceedsLimit")
invalid("array<u64>", "array-count-exceeds-input", u32(3) + u64(1) + u64(2), "truncated")
invalid("array<u64>", "array-huge-claimed-count", u32(0xFFFFFFFF) + b"\x00\x00\x00", "lengthExceedsLimit")
invalid("array<bigint>", "array-bigint-count-exceeds-input", u32(2) + bigint(7), "truncated")
invalid("envelope", "envelope-bad-magic", b"CVNX" + envelope(0xF0, bigint(1))[4:], "invalidMagic")
invalid("envelope", "envelope-version-2", b"CVNT" + u16(2) + envelope(0xF0, bigint(1))[6:], "unknownVersion")
invalid("envelope", "envelope-wrong-tag", envelope(0xF1, bigint(1)), "unknownTag")
invalid("envelope", "envelope-body-truncated", envelope(0xF0, bigint(300))[:-1], "truncated")
invalid("envelope", "envelope-trailing-inside-body", envelope(0xF0, bigint(300) + b"\x00"), "trailingBytes")
invalid("envelope", "envelope-trailing-after", envelope(0xF0, bigint(300)) + b"\x00", "trailingBytes")

out = {"algorithm": "covenant-wire-v1",
       "source": "Python 3 standard library (protocols/tools/wire_format_vectors.py)",
       "notes": "Envelope cases expect tag 0x00f0 and a bigint body; limits are the defaults.",
       "cases": cases}
path = pathlib.Path(__file__).resolve().parents[1] / "wire-format/vectors/v1/encodings.json"
path.write_text(json.dumps(out, indent=1) + "\n")
print(f"{len(cases)} cases -> {path}")
