public import MultiPrecision

extension Paillier {
    /// Packs many 64-bit values into one plaintext: slot `i` holds `v_i · 2^(i·w)` with slot
    /// width `w = 64 + ⌈log₂ A⌉`, so up to `A` packed ciphertexts can be added before a slot
    /// could carry into the next. Slot sums decode exactly, and modulo 2^64 they are sums in
    /// `Z_2^64` (two's-complement signed values work). Spec: protocols/paillier.md#packing.
    public struct PackingLayout: Sendable, Hashable {
        /// Bits per slot.
        public let slotBits: Int
        /// Slots per plaintext.
        public let slotCount: Int
        /// The most addends a sum may have.
        public let maxAddends: Int

        /// The layout for `publicKey` allowing sums of up to `maxAddends` ciphertexts.
        /// The slots fill at most `|n| − 2` bits, so the packed plaintext stays below `n`.
        /// - Throws: ``PaillierError/addendLimitExceeded(addends:limit:)`` if `maxAddends`
        ///   is below 1 or leaves no room for a slot.
        public init(publicKey: PublicKey, maxAddends: Int) throws(PaillierError) {
            guard maxAddends >= 1, maxAddends <= 1 << 32 else {
                throw .addendLimitExceeded(addends: maxAddends, limit: 1 << 32)
            }
            let headroom = maxAddends == 1 ? 0 : Int.bitWidth - (maxAddends - 1).leadingZeroBitCount
            slotBits = 64 + headroom
            slotCount = (publicKey.bits - 2) / slotBits
            self.maxAddends = maxAddends
            guard slotCount >= 1 else { throw .addendLimitExceeded(addends: maxAddends, limit: 0) }
        }

        /// The plaintext holding `values` (at most ``slotCount``), slot 0 least significant.
        /// - Throws: ``PaillierError/tooManyValues(count:capacity:)``.
        public func pack(_ values: [UInt64]) throws(PaillierError) -> BigInt {
            guard values.count <= slotCount else { throw .tooManyValues(count: values.count, capacity: slotCount) }
            var packed = BigInt(reservingBits: slotBits * slotCount + 64)
            for v in values.reversed() {
                packed.shiftLeft(by: slotBits)
                packed.add(word: v)
            }
            return packed
        }

        /// The exact slot sums of a plaintext, `count` slots.
        public func unpack(_ plaintext: BigInt, count: Int) -> [BigInt] {
            precondition(count <= slotCount, "count exceeds the layout's slots")
            var rest = plaintext
            var out: [BigInt] = []
            out.reserveCapacity(count)
            for _ in 0..<count {
                out.append(rest.lowBits(slotBits))
                rest.shiftRight(by: slotBits)
            }
            return out
        }
    }

    /// A packed encryption of a vector of 64-bit values: one ciphertext per ``PackingLayout``
    /// chunk, with the number of values and of addends summed so far.
    public struct PackedCiphertext: Sendable, Hashable {
        /// The ciphertexts, slot chunks in order.
        public internal(set) var ciphertexts: [Ciphertext]
        /// How many values the vector has.
        public let count: Int
        /// How many fresh encryptions have been added into this one.
        public internal(set) var addends: Int
        /// The layout used.
        public let layout: PackingLayout
    }
}

extension Paillier.PublicKey {
    /// Encrypts a vector of 64-bit values packed by `layout` (`⌈count / slots⌉` encryptions).
    /// - Throws: ``PaillierError/layoutMismatch`` if `layout` was made for another key.
    public func encryptPacked(
        _ values: [UInt64], layout: Paillier.PackingLayout, using rng: inout some RandomNumberGenerator
    ) throws(PaillierError) -> Paillier.PackedCiphertext {
        let ciphertexts = try chunkPlaintexts(values, layout: layout).map { plaintext throws(PaillierError) in
            try encrypt(plaintext, using: &rng)
        }
        return Paillier.PackedCiphertext(ciphertexts: ciphertexts, count: values.count, addends: 1, layout: layout)
    }

    /// Encrypts a vector packed by `layout` and proves knowledge of each chunk's plaintext,
    /// chunk `j` (from 0) bound to `context ‖ u32 j` (protocols/paillier.md#plaintext-knowledge-proofs).
    /// - Throws: ``PaillierError/layoutMismatch`` if `layout` was made for another key.
    public func encryptPacked(
        _ values: [UInt64], layout: Paillier.PackingLayout, proving context: [UInt8],
        using rng: inout some RandomNumberGenerator
    ) throws(PaillierError) -> (Paillier.PackedCiphertext, [Paillier.PlaintextKnowledgeProof]) {
        var ciphertexts: [Paillier.Ciphertext] = []
        var proofs: [Paillier.PlaintextKnowledgeProof] = []
        for (chunk, plaintext) in try chunkPlaintexts(values, layout: layout).enumerated() {
            let (c, proof) = try encryptWithProof(plaintext, context: Self.chunkContext(context, chunk: chunk), using: &rng)
            ciphertexts.append(c)
            proofs.append(proof)
        }
        return (Paillier.PackedCiphertext(ciphertexts: ciphertexts, count: values.count, addends: 1, layout: layout), proofs)
    }

    /// The packed plaintexts of `values`' chunks (at least one).
    private func chunkPlaintexts(_ values: [UInt64], layout: Paillier.PackingLayout) throws(PaillierError) -> [BigInt] {
        guard layout == (try Paillier.PackingLayout(publicKey: self, maxAddends: layout.maxAddends)) else {
            throw .layoutMismatch
        }
        var plaintexts: [BigInt] = []
        var start = 0
        repeat {
            let end = min(start + layout.slotCount, values.count)
            plaintexts.append(try layout.pack(Array(values[start..<end])))
            start = end
        } while start < values.count
        return plaintexts
    }

    /// `context ‖ u32 chunk`: what chunk `chunk`'s proof is bound to.
    public static func chunkContext(_ context: [UInt8], chunk: Int) -> [UInt8] {
        var bytes = context
        Paillier.appendUInt32(UInt32(truncatingIfNeeded: chunk), to: &bytes)
        return bytes
    }

    /// The slot-wise sum of two packed vectors.
    /// - Throws: ``PaillierError/addendLimitExceeded(addends:limit:)`` when the sum could
    ///   overflow a slot; ``PaillierError/layoutMismatch`` for different shapes.
    public func add(
        _ a: Paillier.PackedCiphertext, _ b: Paillier.PackedCiphertext
    ) throws(PaillierError) -> Paillier.PackedCiphertext {
        guard a.layout == b.layout, a.count == b.count, a.ciphertexts.count == b.ciphertexts.count else {
            throw .layoutMismatch
        }
        let addends = a.addends + b.addends
        guard addends <= a.layout.maxAddends else {
            throw .addendLimitExceeded(addends: addends, limit: a.layout.maxAddends)
        }
        var sum = a
        for i in sum.ciphertexts.indices { accumulate(&sum.ciphertexts[i], b.ciphertexts[i]) }
        sum.addends = addends
        return sum
    }
}

extension Paillier.PrivateKey {
    /// The exact slot sums of a packed vector (each `< addends · 2^64`).
    public func decryptPacked(_ packed: Paillier.PackedCiphertext) throws(PaillierError) -> [BigInt] {
        var out: [BigInt] = []
        out.reserveCapacity(packed.count)
        for (i, c) in packed.ciphertexts.enumerated() {
            let chunk = min(packed.layout.slotCount, packed.count - i * packed.layout.slotCount)
            out += packed.layout.unpack(try decrypt(c), count: chunk)
        }
        return out
    }

    /// The slot sums modulo 2^64: sums in `Z_2^64` (two's-complement for signed inputs).
    public func decryptPackedWrapping(_ packed: Paillier.PackedCiphertext) throws(PaillierError) -> [UInt64] {
        try decryptPacked(packed).map(\.low64)
    }
}
