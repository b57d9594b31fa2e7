import COpenSSL

/// The group of the NIST P-256 curve (`secp256r1`, SEC 2 §2.4.2; FIPS 186-5), computed by
/// libcrypto's `EC_POINT` API: what a base oblivious transfer needs and nothing more — secret
/// scalars, multiples of the generator and of a point, sums and differences of points, and the
/// compressed encoding of SEC 1 §2.3.3. Spec: `protocols/primitives.md#p-256`.
///
/// - Warning: this is group arithmetic, not a protocol. Scalar multiplication by a secret
///   scalar runs libcrypto's constant-time path (the scalar carries `BN_FLG_CONSTTIME`);
///   additions and encodings are of points that become public, or whose selection a caller
///   makes in constant time on their encodings.
public enum P256: Sendable {
    /// A compressed point: `0x02 | 0x03 ‖ x`, 33 bytes (SEC 1 §2.3.3).
    public static let compressedPointByteCount = 33

    /// A secret scalar, uniform in `[1, q)` for the group order `q`; its limbs are cleared on
    /// release (`BN_clear_free`).
    public struct Scalar: Sendable {
        let storage: ScalarStorage

        /// A uniform scalar: 48 bytes of `rng` (384 bits) reduced modulo `q`, so the bias is below
        /// `2^−128`; zero is redrawn.
        /// - Parameter rng: A cryptographically secure generator (``SecureRandomGenerator`` or a
        ///   generator seeded from it).
        /// - Returns: The scalar.
        public static func random(using rng: inout some RandomNumberGenerator) -> Scalar {
            while true {
                var bytes = [UInt8](repeating: 0, count: 48)
                for i in stride(from: 0, to: 48, by: 8) {
                    withUnsafeBytes(of: rng.next()) { word in
                        for j in 0..<8 { bytes[i + j] = word[j] }
                    }
                }
                let storage = ScalarStorage(reducing: bytes)
                for i in bytes.indices { bytes[i] = 0 }
                if !storage.isZero { return Scalar(storage: storage) }
            }
        }
    }

    /// A point of the group other than the point at infinity: its compressed encoding and the
    /// libcrypto point, decoded once.
    public struct Point: Sendable, Hashable {
        /// The compressed encoding (33 bytes).
        public let compressed: [UInt8]
        let element: ECPoint

        /// Decodes and validates a compressed point.
        /// - Parameter compressed: 33 bytes.
        /// - Throws: ``CryptoError/invalidPublicKey`` unless the bytes are the compressed encoding
        ///   of a point on the curve other than infinity.
        public init(compressed: [UInt8]) throws(CryptoError) {
            guard compressed.count == P256.compressedPointByteCount, compressed[0] == 2 || compressed[0] == 3,
                let point = ECPoint(decoding: compressed), !point.isAtInfinity
            else { throw .invalidPublicKey }
            self.compressed = compressed
            element = point
        }

        /// A point computed here; nil for the point at infinity.
        init?(computed point: ECPoint) {
            guard !point.isAtInfinity else { return nil }
            compressed = point.encoded()
            element = point
        }

        /// `k·G` for the standard generator `G`.
        /// - Parameter k: The scalar.
        /// - Returns: The point (never infinity, as `k ∈ [1, q)`).
        public static func generatorMultiple(_ k: Scalar) -> Point {
            Point(computed: ECPoint.multiply(generatorBy: k.storage))!
        }

        /// `k·self` (never infinity: the group has prime order and `k ∈ [1, q)`).
        /// - Parameter k: The scalar.
        /// - Returns: The point.
        public func multiplied(by k: Scalar) -> Point {
            Point(computed: ECPoint.multiply(element, by: k.storage))!
        }

        /// `self + other`, or nil for the point at infinity.
        /// - Parameter other: A point.
        /// - Returns: The sum.
        public func adding(_ other: Point) -> Point? {
            Point(computed: ECPoint.add(element, other.element))
        }

        /// The encodings of `k·self` and of `k·self − t`, with one scalar multiplication; the
        /// one byte `0x00` (SEC 1 §2.3.3) for the point at infinity.
        /// - Parameters:
        ///   - k: The scalar.
        ///   - t: The point subtracted.
        /// - Returns: Both encodings.
        public func multipliedEncodings(by k: Scalar, minus t: Point) -> (product: [UInt8], difference: [UInt8]) {
            let product = ECPoint.multiply(element, by: k.storage)
            let negated = ECPoint.copy(of: t.element)
            negated.invert()
            return (product.encoded(), ECPoint.add(product, negated).encoded())
        }

        /// Equal encodings.
        public static func == (lhs: Point, rhs: Point) -> Bool { lhs.compressed == rhs.compressed }

        /// Hashes the encoding.
        public func hash(into hasher: inout Hasher) { hasher.combine(compressed) }
    }
}

/// The one `EC_GROUP` of P-256, made once. libcrypto reads a group concurrently without
/// locking (its methods take it `const`), so sharing it between threads is safe.
private struct P256Group: @unchecked Sendable {
    let pointer: OpaquePointer
    let order: OpaquePointer
}

private let p256Group: P256Group = {
    guard let group = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1), let order = EC_GROUP_get0_order(group) else {
        preconditionFailure("libcrypto has no P-256 group")
    }
    return P256Group(pointer: group, order: order)
}()

/// A secret `BIGNUM`, cleared and freed on release. `@unchecked Sendable`: the number is only
/// written in `init`.
final class ScalarStorage: @unchecked Sendable {
    let bignum: OpaquePointer

    init(reducing bytes: [UInt8]) {
        guard let wide = BN_secure_new(), let reduced = BN_secure_new(), let context = BN_CTX_secure_new() else {
            preconditionFailure("BN_new: out of memory")
        }
        defer {
            BN_clear_free(wide)
            BN_CTX_free(context)
        }
        BN_set_flags(wide, Int32(BN_FLG_CONSTTIME))
        BN_set_flags(reduced, Int32(BN_FLG_CONSTTIME))
        let rc1 = bytes.withUnsafeBufferPointer { BN_bin2bn($0.baseAddress, Int32($0.count), wide) }
        let rc2 = BN_nnmod(reduced, wide, p256Group.order, context)
        precondition(rc1 != nil && rc2 == 1, "BN_nnmod failed")
        bignum = reduced
    }

    var isZero: Bool { BN_is_zero(bignum) == 1 }

    deinit { BN_clear_free(bignum) }
}

/// An `EC_POINT` of P-256, freed (and cleared) on release. `@unchecked Sendable`: a point is
/// written only while it is being made (decoded, computed, or a fresh copy inverted); after that
/// libcrypto only reads it.
final class ECPoint: @unchecked Sendable {
    let pointer: OpaquePointer

    private init(empty: ()) {
        guard let point = EC_POINT_new(p256Group.pointer) else { preconditionFailure("EC_POINT_new: out of memory") }
        pointer = point
    }

    /// Decodes any SEC 1 encoding libcrypto accepts (it checks the point is on the curve).
    convenience init?(decoding bytes: [UInt8]) {
        self.init(empty: ())
        let rc = bytes.withUnsafeBufferPointer { EC_POINT_oct2point(p256Group.pointer, pointer, $0.baseAddress, $0.count, nil) }
        guard rc == 1 else {
            ERR_clear_error()
            return nil
        }
    }

    /// A fresh copy of `point`.
    static func copy(of point: ECPoint) -> ECPoint {
        let result = ECPoint(empty: ())
        precondition(EC_POINT_copy(result.pointer, point.pointer) == 1, "EC_POINT_copy failed")
        return result
    }

    deinit { EC_POINT_clear_free(pointer) }

    var isAtInfinity: Bool { EC_POINT_is_at_infinity(p256Group.pointer, pointer) == 1 }

    /// 33 bytes, or `0x00` for infinity.
    func encoded() -> [UInt8] {
        if isAtInfinity { return [0] }
        var bytes = [UInt8](repeating: 0, count: P256.compressedPointByteCount)
        let written = bytes.withUnsafeMutableBufferPointer {
            EC_POINT_point2oct(p256Group.pointer, pointer, POINT_CONVERSION_COMPRESSED, $0.baseAddress, $0.count, nil)
        }
        precondition(written == P256.compressedPointByteCount, "EC_POINT_point2oct failed")
        return bytes
    }

    func invert() {
        precondition(EC_POINT_invert(p256Group.pointer, pointer, nil) == 1, "EC_POINT_invert failed")
    }

    static func multiply(generatorBy k: ScalarStorage) -> ECPoint {
        let result = ECPoint(empty: ())
        precondition(EC_POINT_mul(p256Group.pointer, result.pointer, k.bignum, nil, nil, nil) == 1, "EC_POINT_mul failed")
        return result
    }

    static func multiply(_ point: ECPoint, by k: ScalarStorage) -> ECPoint {
        let result = ECPoint(empty: ())
        precondition(EC_POINT_mul(p256Group.pointer, result.pointer, nil, point.pointer, k.bignum, nil) == 1, "EC_POINT_mul failed")
        return result
    }

    static func add(_ a: ECPoint, _ b: ECPoint) -> ECPoint {
        let result = ECPoint(empty: ())
        precondition(EC_POINT_add(p256Group.pointer, result.pointer, a.pointer, b.pointer, nil) == 1, "EC_POINT_add failed")
        return result
    }
}
