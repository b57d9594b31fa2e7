public import MultiPrecision

/// An additively homomorphic public-key scheme over `Z_N`: what a protocol needs from
/// Paillier, so that it can also run on ``PlaintextScheme`` in tests.
/// Spec: protocols/paillier.md#scheme-interface.
public protocol AdditiveHomomorphicScheme: Sendable {
    /// The public key.
    associatedtype PublicKey: Sendable & Hashable
    /// The secret key.
    associatedtype SecretKey: Sendable
    /// A ciphertext.
    associatedtype Ciphertext: Sendable & Hashable

    /// A fresh secret key with a `bits`-bit plaintext modulus.
    static func generateSecretKey(bits: Int, using rng: inout some RandomNumberGenerator) throws -> SecretKey
    /// The public key of `secretKey`.
    static func publicKey(of secretKey: SecretKey) -> PublicKey
    /// The plaintext modulus `N`.
    static func plaintextModulus(of publicKey: PublicKey) -> BigInt
    /// `Enc(m)` for `m ∈ [0, N)`.
    static func encrypt(_ m: BigInt, with publicKey: PublicKey, using rng: inout some RandomNumberGenerator) throws -> Ciphertext
    /// `Dec(c)`.
    static func decrypt(_ c: Ciphertext, with secretKey: SecretKey) throws -> BigInt
    /// `Enc(a + b)`.
    static func add(_ a: Ciphertext, _ b: Ciphertext, with publicKey: PublicKey) -> Ciphertext
    /// `Enc(a + k)`.
    static func add(_ a: Ciphertext, plaintext k: BigInt, with publicKey: PublicKey) -> Ciphertext
    /// `Enc(k · a)`.
    static func multiply(_ a: Ciphertext, by k: BigInt, with publicKey: PublicKey) -> Ciphertext
}

extension Paillier: AdditiveHomomorphicScheme {
    /// ``Paillier/generatePrivateKey(bits:using:)``.
    public static func generateSecretKey(bits: Int, using rng: inout some RandomNumberGenerator) throws -> PrivateKey {
        try generatePrivateKey(bits: bits, using: &rng)
    }
    /// The key's public half.
    public static func publicKey(of secretKey: PrivateKey) -> PublicKey { secretKey.publicKey }
    /// `n`.
    public static func plaintextModulus(of publicKey: PublicKey) -> BigInt { publicKey.n }
    /// DJN encryption.
    public static func encrypt(_ m: BigInt, with publicKey: PublicKey, using rng: inout some RandomNumberGenerator) throws -> Ciphertext {
        try publicKey.encrypt(m, using: &rng)
    }
    /// CRT decryption.
    public static func decrypt(_ c: Ciphertext, with secretKey: PrivateKey) throws -> BigInt { try secretKey.decrypt(c) }
    /// Ciphertext product.
    public static func add(_ a: Ciphertext, _ b: Ciphertext, with publicKey: PublicKey) -> Ciphertext { publicKey.add(a, b) }
    /// Multiplication by `g^k`.
    public static func add(_ a: Ciphertext, plaintext k: BigInt, with publicKey: PublicKey) -> Ciphertext {
        publicKey.add(a, plaintext: k)
    }
    /// Exponentiation by `k`.
    public static func multiply(_ a: Ciphertext, by k: BigInt, with publicKey: PublicKey) -> Ciphertext {
        publicKey.multiply(a, by: k)
    }
}

/// The identity "scheme" over `Z_N`: ciphertexts are plaintexts. For developing and testing
/// protocols only.
/// - Warning: it hides nothing.
public enum PlaintextScheme: AdditiveHomomorphicScheme {
    /// The modulus `N`.
    public struct Key: Sendable, Hashable {
        /// The plaintext modulus.
        public let modulus: BigInt
    }
    /// A plaintext standing in for a ciphertext.
    public struct Ciphertext: Sendable, Hashable {
        /// The plaintext.
        public let value: BigInt
    }

    /// A random odd `bits`-bit modulus.
    public static func generateSecretKey(bits: Int, using rng: inout some RandomNumberGenerator) throws -> Key {
        Key(modulus: BigInt.random(bits: bits - 1, using: &rng) + (BigInt(1) << (bits - 1)))
    }
    /// The same key.
    public static func publicKey(of secretKey: Key) -> Key { secretKey }
    /// `N`.
    public static func plaintextModulus(of publicKey: Key) -> BigInt { publicKey.modulus }
    /// `m` itself.
    public static func encrypt(_ m: BigInt, with publicKey: Key, using rng: inout some RandomNumberGenerator) throws -> Ciphertext {
        guard !m.isNegative, m < publicKey.modulus else { throw PaillierError.plaintextOutOfRange }
        return Ciphertext(value: m)
    }
    /// `c` itself.
    public static func decrypt(_ c: Ciphertext, with secretKey: Key) throws -> BigInt { c.value }
    /// `a + b mod N`.
    public static func add(_ a: Ciphertext, _ b: Ciphertext, with publicKey: Key) -> Ciphertext {
        Ciphertext(value: (a.value + b.value).modulo(publicKey.modulus))
    }
    /// `a + k mod N`.
    public static func add(_ a: Ciphertext, plaintext k: BigInt, with publicKey: Key) -> Ciphertext {
        Ciphertext(value: (a.value + k).modulo(publicKey.modulus))
    }
    /// `k · a mod N`.
    public static func multiply(_ a: Ciphertext, by k: BigInt, with publicKey: Key) -> Ciphertext {
        Ciphertext(value: (a.value * k).modulo(publicKey.modulus))
    }
}
