public import MultiPrecision

extension Paillier {
    /// Signed integers in `Z_n`: `v ↦ v mod n` for `|v| ≤ ⌊(n−1)/3⌋`; decoding maps the top
    /// third back to negatives and refuses the middle third, where only an overflow lands
    /// (the python-paillier convention). Spec: protocols/paillier.md#encodings.
    public struct SignedEncoding: Sendable, Hashable {
        /// The modulus `n`.
        public let n: BigInt
        /// The largest encodable magnitude, `⌊(n−1)/3⌋`.
        public let maxMagnitude: BigInt

        /// The encoding for `publicKey`'s plaintext space.
        public init(publicKey: PublicKey) {
            n = publicKey.n
            maxMagnitude = (publicKey.n - 1) / 3
        }

        /// `v mod n`.
        /// - Throws: ``PaillierError/plaintextOutOfRange`` if `|v| > maxMagnitude`.
        public func encode(_ v: BigInt) throws(PaillierError) -> BigInt {
            guard v.magnitude <= maxMagnitude else { throw .plaintextOutOfRange }
            return v.modulo(n)
        }

        /// The signed value of a plaintext.
        /// - Throws: ``PaillierError/encodingOverflow`` if it lies in the forbidden middle.
        public func decode(_ m: BigInt) throws(PaillierError) -> BigInt {
            guard !m.isNegative, m < n else { throw .plaintextOutOfRange }
            if m <= maxMagnitude { return m }
            if m >= n - maxMagnitude { return m - n }
            throw .encodingOverflow
        }
    }

    /// Fixed-point numbers as signed integers scaled by `10^scale`, matching the contract
    /// language's `decimal(scale)` so decimal data encodes exactly.
    /// Spec: protocols/paillier.md#encodings.
    public struct FixedPointEncoding: Sendable, Hashable {
        /// The underlying signed encoding.
        public let signed: SignedEncoding
        /// Decimal digits after the point.
        public let scale: Int
        /// `10^scale`.
        public let factor: BigInt

        /// Fixed point with `scale` decimal digits (0…30) over `publicKey`'s plaintexts.
        public init(publicKey: PublicKey, scale: Int) {
            precondition((0...30).contains(scale), "scale must be 0...30")
            signed = SignedEncoding(publicKey: publicKey)
            self.scale = scale
            factor = BigInt(10).power(scale)
        }

        /// Encodes `round(x · 10^scale)` (ties away from zero).
        /// - Throws: ``PaillierError/unrepresentableValue`` for non-finite `x`;
        ///   ``PaillierError/plaintextOutOfRange`` if too large.
        public func encode(_ x: Double) throws(PaillierError) -> BigInt {
            guard x.isFinite else { throw .unrepresentableValue }
            let scaled = (x * pow10(scale)).rounded(.toNearestOrAwayFromZero)
            guard abs(scaled) < 0x1p1023 else { throw .unrepresentableValue }
            guard let integer = BigInt(exactly: scaled) else { throw .unrepresentableValue }
            return try signed.encode(integer)
        }

        /// Encodes a value already scaled by `10^scale` (exact decimal data).
        public func encode(scaled v: BigInt) throws(PaillierError) -> BigInt { try signed.encode(v) }

        /// The scaled integer a plaintext holds.
        public func decodeScaled(_ m: BigInt) throws(PaillierError) -> BigInt { try signed.decode(m) }

        /// The nearest `Double` to the plaintext's fixed-point value.
        public func decode(_ m: BigInt) throws(PaillierError) -> Double {
            let v = try signed.decode(m)
            let (q, r) = v.quotientAndRemainder(dividingBy: factor)
            return q.doubleValue + r.doubleValue / pow10(scale)
        }

        private func pow10(_ k: Int) -> Double {
            var x = 1.0
            for _ in 0..<k { x *= 10 }
            return x
        }
    }
}

extension BigInt {
    /// The integer value of a `Double` that holds an integer, or nil.
    init?(exactly x: Double) {
        guard x.isFinite, x == x.rounded() else { return nil }
        if abs(x) < 0x1p62 {
            self.init(Int(x))
            return
        }
        let exponent = Int(x.exponent)
        let significand = Int(x.significandBitPattern | (1 << 52))
        var v = BigInt(significand) << (exponent - 52)
        if x < 0 { v = -v }
        self = v
    }
}
