import CryptoPrimitives
import MultiPrecision
public import PaillierEncryption
public import SecretSharing

/// The public parameters of a member-generated triple session.
/// Spec: protocols/beaver.md#member-generated-triples.
public struct TripleGenerationConfiguration: Sendable, Hashable {
    /// The session (run) id.
    public let sessionID: SessionID
    /// `n`: the members are `PartyID(1)…PartyID(n)`.
    public let memberCount: Int
    /// `T`: the number of triples made.
    public let tripleCount: Int
    /// `κ`: the statistical parameter of the masks `ρ` (`≥ 40`).
    public let statisticalSecurity: Int
    /// Each member's own Paillier public key (index `i − 1` for `PartyID(i)`), e.g. from the
    /// ledger's member registry.
    public let publicKeys: [Paillier.PublicKey]

    /// The mask bound's exponent: `ρ ∈ [0, 2^{254 + κ})` hides a product of two 127-bit values.
    var maskBits: Int { 2 * MersenneField127.bitWidth + statisticalSecurity }
    /// `w`: the width of one slot of a packed answer, enough for the sum of `n − 1` answers
    /// (each below `2^{maskBits+1}`).
    var slotBits: Int { maskBits + 1 + BeaverConfiguration.ceilLog2(memberCount) }
    /// How many answers one plaintext of `key` holds: `⌊(|N| − 1)/w⌋`.
    func slots(for key: Paillier.PublicKey) -> Int { (key.bits - 1) / slotBits }
    /// How many packed ciphertexts carry the `T` answers to the owner of `key`.
    func packs(for key: Paillier.PublicKey) -> Int {
        let s = slots(for: key)
        return (tripleCount + s - 1) / s
    }

    /// A configuration.
    /// - Parameters:
    ///   - sessionID: The run id.
    ///   - memberCount: `n` in `2…64`.
    ///   - tripleCount: `T` in `0…2^20`.
    ///   - statisticalSecurity: `κ ≥ 40` (default 40).
    ///   - publicKeys: `n` Paillier public keys, pairwise distinct.
    /// - Throws: ``MPCProtocolError/invalidConfiguration(_:)`` — among others when a modulus
    ///   has fewer than `254 + κ + ⌈log2 n⌉ + 2` bits, so that a sum of `n − 1` masked products
    ///   could wrap (protocols/beaver.md#member-generated-triples).
    public init(
        sessionID: SessionID, memberCount: Int, tripleCount: Int, statisticalSecurity: Int = 40, publicKeys: [Paillier.PublicKey]
    ) throws {
        guard memberCount >= 2, memberCount <= BeaverConfiguration.maximumMemberCount else {
            throw MPCProtocolError.invalidConfiguration("beaver needs 2…64 members")
        }
        guard tripleCount >= 0, tripleCount <= 1 << 20 else {
            throw MPCProtocolError.invalidConfiguration("the triple count must be in 0…2^20")
        }
        guard statisticalSecurity >= 40 else {
            throw MPCProtocolError.invalidConfiguration("the statistical security parameter must be at least 40")
        }
        guard publicKeys.count == memberCount else {
            throw MPCProtocolError.invalidConfiguration("one Paillier public key per member is required")
        }
        guard Set(publicKeys.map(\.n)).count == memberCount else {
            throw MPCProtocolError.invalidConfiguration("two members share a Paillier modulus")
        }
        let needed = 2 * MersenneField127.bitWidth + statisticalSecurity + BeaverConfiguration.ceilLog2(memberCount) + 2
        guard publicKeys.allSatisfy({ $0.bits >= needed }) else {
            throw MPCProtocolError.invalidConfiguration("a Paillier modulus is too small for the masked products")
        }
        self.sessionID = sessionID
        self.memberCount = memberCount
        self.tripleCount = tripleCount
        self.statisticalSecurity = statisticalSecurity
        self.publicKeys = publicKeys
    }

    /// `PartyID(1)…PartyID(n)`.
    public var members: [PartyID] { PartyID.members(memberCount) }

    func key(of party: PartyID) -> Paillier.PublicKey { publicKeys[Int(party.rawValue) - 1] }
}

/// One member making Beaver triples over ``MersenneField127`` with the others, with no trusted
/// party: Gilboa's pairwise products [Gil99] under each member's own Paillier key [Pai99].
/// Spec: protocols/beaver.md#member-generated-triples.
///
/// Member `i` draws `a_i^t, b_i^t` and sends `Enc_i(a_i^t)` to every peer (round 1). Peer `j`
/// answers `Enc_i(a_i^t)^{b_j^t} · Enc_i(ρ_{j→i}^t)` with a fresh `ρ ∈ [0, 2^{254+κ})` and keeps
/// `−ρ_{j→i}^t` (round 2). Member `i` multiplies the answers of all peers, decrypts once per
/// triple, and sets `c_i^t = a_i^t b_i^t + Dec(…) − Σ_j ρ_{i→j}^t mod p`; then
/// `Σ_i c_i = (Σ a_i)(Σ b_i)`. Two rounds; per triple a member makes one encryption, `n − 1`
/// exponentiations and encryptions, and one decryption.
///
/// - Warning: semi-honest: a member may answer with a wrong product and so make an invalid
///   triple, which this machine does not detect (protocols/beaver.md#threat-model).
public struct TripleGenerationStateMachine: ProtocolStateMachine, CustomStringConvertible {
    /// The message type.
    public typealias Message = TripleGenerationMessage
    /// This member's triple shares.
    public typealias Output = [BeaverTriple<UInt128>]
    /// An action.
    public typealias Action = ProtocolAction<TripleGenerationMessage, [BeaverTriple<UInt128>]>

    enum Phase: Sendable { case idle, exchanging, done }

    /// The session parameters.
    public let configuration: TripleGenerationConfiguration
    /// This member.
    public let party: PartyID
    private let privateKey: Paillier.PrivateKey
    private var rng: AESCTRGenerator
    private var phase = Phase.idle
    private var a: [UInt128] = []
    private var b: [UInt128] = []
    private var c: [UInt128] = []
    /// The running product of the peers' answers, per triple (under this member's key).
    private var answers: [Paillier.Ciphertext] = []
    private var factorsFrom = Set<PartyID>()
    private var answersFrom = Set<PartyID>()

    /// A member's machine.
    /// - Parameters:
    ///   - configuration: The session parameters.
    ///   - party: This member.
    ///   - privateKey: Its own Paillier private key (its public key must be the configuration's).
    ///   - rng: Randomness for factors, masks and encryption (``SecureRandomGenerator`` in production).
    /// - Throws: ``MPCProtocolError/invalidConfiguration(_:)``.
    public init(
        configuration: TripleGenerationConfiguration, party: PartyID, privateKey: Paillier.PrivateKey,
        using rng: inout some RandomNumberGenerator
    ) throws {
        guard configuration.members.contains(party) else {
            throw MPCProtocolError.invalidConfiguration("the party is not a member of the session")
        }
        guard privateKey.publicKey == configuration.key(of: party) else {
            throw MPCProtocolError.invalidConfiguration("the private key does not match the member's registered public key")
        }
        self.configuration = configuration
        self.party = party
        self.privateKey = privateKey
        var seed: [UInt8] = []
        withUnsafeBytes(of: rng.next().littleEndian) { seed.append(contentsOf: $0) }
        withUnsafeBytes(of: rng.next().littleEndian) { seed.append(contentsOf: $0) }
        self.rng = try! AESCTRGenerator(seed: seed)  // 16 bytes: always a valid key
    }

    private var peers: [PartyID] { configuration.members.filter { $0 != party } }
    private var field: MersenneField127 { MersenneField127() }

    /// 1 while waiting for factors, 2 while waiting for answers.
    public var currentRound: UInt8 { factorsFrom.count < peers.count ? 1 : 2 }
    /// Whether the machine has output or aborted.
    public var isFinished: Bool { phase == .done }

    /// Draws the factors and broadcasts their encryptions under this member's own key.
    /// - Returns: The broadcast (or, for no triples, the empty output after the exchange).
    /// - Throws: `alreadyStarted`, `paillier`.
    public mutating func start() throws -> [Action] {
        guard phase == .idle else { throw MPCProtocolError.alreadyStarted }
        phase = .exchanging
        let count = configuration.tripleCount
        a = (0..<count).map { _ in field.random(using: &rng) }
        b = (0..<count).map { _ in field.random(using: &rng) }
        c = zip(a, b).map { field.multiply($0, $1) }
        var encrypted: [BigInt] = []
        encrypted.reserveCapacity(count)
        do {
            // The public-key (DJN fixed-base) path: faster than the owner's CRT path here.
            let key = privateKey.publicKey
            for value in a { encrypted.append(try key.encrypt(Self.bigInt(value), using: &rng).value) }
        } catch {
            phase = .done
            throw MPCProtocolError.paillier(error)
        }
        answers = []
        let message = TripleGenerationMessage(sessionID: configuration.sessionID, sender: party, payload: .encryptedFactors(encrypted))
        return [.broadcast(to: peers, message: message)]
    }

    /// Answers a peer's factors (round 1) or absorbs a peer's answers (round 2).
    /// - Parameters:
    ///   - message: The decoded message.
    ///   - from: The transport's sender.
    /// - Returns: The answer to the peer, and the output once every answer is in.
    /// - Throws: `notStarted`, `sessionFinished`, `unknownParty`, `senderMismatch`,
    ///   `wrongSession`, `duplicateMessage`, `lengthMismatch`, `invalidCiphertext` (not a unit
    ///   modulo the right `n²`), `malformedMessage` (a decrypted sum outside its bound).
    public mutating func receive(_ message: TripleGenerationMessage, from: PartyID) throws -> [Action] {
        guard phase != .idle else { throw MPCProtocolError.notStarted }
        guard phase != .done else { throw MPCProtocolError.sessionFinished }
        try checkEnvelope(
            sessionID: configuration.sessionID, header: (message.sessionID, message.sender), from: from,
            known: { $0 != party && configuration.members.contains($0) })
        let count = configuration.tripleCount
        switch message.payload {
        case let .encryptedFactors(values):
            guard !factorsFrom.contains(from) else { throw MPCProtocolError.duplicateMessage(from: from, round: 1) }
            guard values.count == count else { throw MPCProtocolError.lengthMismatch(from: from, expected: count, actual: values.count) }
            let key = configuration.key(of: from)
            var factors: [Paillier.Ciphertext] = []
            factors.reserveCapacity(count)
            for value in values {
                do { factors.append(try key.ciphertext(value)) } catch { throw MPCProtocolError.invalidCiphertext(from: from) }
            }
            // Horner packing (several answers per plaintext): for the triples of one pack,
            // C = (…(E_1^{b_1})^{2^w} · E_2^{b_2})^{2^w} · … , then one encryption of the packed masks.
            let w = configuration.slotBits
            let slots = configuration.slots(for: key)
            let shift = BigInt(1) << w
            let bound = BigInt(1) << configuration.maskBits
            let p = Self.bigInt(MersenneField127.modulus)
            var response: [BigInt] = []
            var masks: [UInt128] = []
            masks.reserveCapacity(count)
            var first = 0
            while first < count {
                let last = min(count, first + slots)
                var packed: Paillier.Ciphertext? = nil
                var packedMask = BigInt()
                for t in first..<last {
                    let rho = BigInt.random(below: bound, using: &rng)
                    masks.append(Self.uint128(rho.modulo(p)))
                    let term = key.multiply(factors[t], by: Self.bigInt(b[t]))
                    packed = packed.map { key.add(key.multiply($0, by: shift), term) } ?? term
                    packedMask = (packedMask << w) + rho
                }
                let encryptedMask: Paillier.Ciphertext
                do { encryptedMask = try key.encrypt(packedMask, using: &rng) } catch { throw MPCProtocolError.paillier(error) }
                response.append(key.add(packed!, encryptedMask).value)
                first = last
            }
            for t in 0..<count { c[t] = field.subtract(c[t], masks[t]) }
            factorsFrom.insert(from)
            let message = TripleGenerationMessage(sessionID: configuration.sessionID, sender: party, payload: .maskedProducts(response))
            return [.send(to: from, message: message)] + (try finishIfReady())
        case let .maskedProducts(values):
            guard !answersFrom.contains(from) else { throw MPCProtocolError.duplicateMessage(from: from, round: 2) }
            let key = privateKey.publicKey
            let packs = configuration.packs(for: key)
            guard values.count == packs else { throw MPCProtocolError.lengthMismatch(from: from, expected: packs, actual: values.count) }
            var received: [Paillier.Ciphertext] = []
            received.reserveCapacity(packs)
            for value in values {
                do { received.append(try key.ciphertext(value)) } catch { throw MPCProtocolError.invalidCiphertext(from: from) }
            }
            if answers.isEmpty {
                answers = received
            } else {
                for q in 0..<packs { key.accumulate(&answers[q], received[q]) }
            }
            answersFrom.insert(from)
            return try finishIfReady()
        }
    }

    /// Any declared dropout of a peer this member still waits for aborts the session.
    /// - Parameters:
    ///   - round: The round whose deadline passed.
    ///   - dropped: The peers declared dropped.
    /// - Returns: `[.abort(.memberDropped)]` or nothing.
    /// - Throws: `notStarted` or `sessionFinished`.
    public mutating func timeout(round: UInt8, dropped: Set<PartyID>) throws -> [Action] {
        guard phase != .idle else { throw MPCProtocolError.notStarted }
        guard phase != .done else { throw MPCProtocolError.sessionFinished }
        guard round == currentRound else { return [] }
        let missing = peers.filter { !(round == 1 ? factorsFrom : answersFrom).contains($0) }
        guard let gone = missing.first(where: dropped.contains) else { return [] }
        phase = .done
        wipe()
        return [.abort(.memberDropped(gone, round: round))]
    }

    /// Party, round and whether finished; secrets redacted.
    public var description: String {
        "TripleGenerationStateMachine(\(party), round: \(currentRound), finished: \(isFinished), state: redacted)"
    }

    private mutating func finishIfReady() throws -> [Action] {
        guard factorsFrom.count == peers.count, answersFrom.count == peers.count else { return [] }
        let count = configuration.tripleCount
        let p = Self.bigInt(MersenneField127.modulus)
        let w = configuration.slotBits
        let slots = configuration.slots(for: privateKey.publicKey)
        let slotBase = BigInt(1) << w
        // Each answer is a_i·b_j + ρ < 2^254 + 2^{254+κ}; a slot's sum stays below (n−1)·2^{255+κ}.
        let limit = BigInt(peers.count) << (configuration.maskBits + 1)
        var triples: [BeaverTriple<UInt128>] = []
        triples.reserveCapacity(count)
        for (q, answer) in answers.enumerated() {
            let sum: BigInt
            do { sum = try privateKey.decrypt(answer) } catch {
                phase = .done
                wipe()
                throw MPCProtocolError.paillier(error)
            }
            let first = q * slots, last = min(count, first + slots)
            for t in first..<last {
                // The first triple of a pack sits in its highest slot (Horner order).
                let slot = (sum >> (w * (last - 1 - t))).modulo(slotBase)
                guard slot < limit, t > first || (sum >> (w * (last - first))).isZero else {
                    phase = .done
                    wipe()
                    throw MPCProtocolError.malformedMessage(from: party, reason: "a decrypted sum of masked products exceeds its bound")
                }
                triples.append(BeaverTriple(a: a[t], b: b[t], c: field.add(c[t], Self.uint128(slot.modulo(p)))))
            }
        }
        phase = .done
        wipe()
        return [.output(triples)]
    }

    private mutating func wipe() {
        for t in a.indices { a[t] = 0 }
        for t in b.indices { b[t] = 0 }
        for t in c.indices { c[t] = 0 }
        a = []
        b = []
        c = []
        answers = []
    }

    static func bigInt(_ x: UInt128) -> BigInt {
        BigInt(littleEndianWords: [UInt64(truncatingIfNeeded: x), UInt64(truncatingIfNeeded: x >> 64)])
    }

    /// `x` in `[0, 2^128)`.
    static func uint128(_ x: BigInt) -> UInt128 {
        let words = x.littleEndianWords(count: 2) ?? [0, 0]
        return UInt128(words[1]) << 64 | UInt128(words[0])
    }
}
