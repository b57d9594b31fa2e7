public import CryptoPrimitives
import Foundation

/// A member's Ed25519 signing key in a file: the 32-byte seed as 64 hex digits, mode 0600.
/// The key never appears in an error or a log line.
public enum MemberKeyFile: Sendable {
    /// Loads the key at `path`, or creates a new one there if the file does not exist.
    /// - Parameter path: The key file.
    /// - Returns: The key and whether it was created.
    /// - Throws: `storageFailure` if the file cannot be read or written, or holds no valid key.
    public static func loadOrCreate(at path: String) throws -> (key: Ed25519.PrivateKey, created: Bool) {
        if FileManager.default.fileExists(atPath: path) {
            return (try load(from: path), false)
        }
        let key = Ed25519.PrivateKey()
        let text = hexEncode(key.rawRepresentation) + "\n"
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw LedgerError(.storageFailure, "cannot write the key file \(path)")
        }
        return (key, true)
    }

    /// Loads the key at `path`.
    /// - Parameter path: The key file.
    /// - Returns: The key.
    /// - Throws: `storageFailure` if the file is missing or malformed (its content is never quoted).
    public static func load(from path: String) throws -> Ed25519.PrivateKey {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LedgerError(.storageFailure, "cannot read the key file \(path)")
        }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let seed = hexDecode(text), seed.count == Ed25519.keyByteCount,
              let key = try? Ed25519.PrivateKey(rawRepresentation: seed) else {
            throw LedgerError(.storageFailure, "the key file \(path) does not hold 64 hex digits")
        }
        return key
    }
}
