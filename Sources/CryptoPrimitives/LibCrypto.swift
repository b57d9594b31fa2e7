import COpenSSL

// Internal glue between Swift and libcrypto. Nothing here is API.

/// A libcrypto algorithm object fetched once per process (OpenSSL 3 explicit fetch), so hot
/// paths skip the implicit per-call fetch. Fetched `EVP_MD`/`EVP_CIPHER` objects are immutable
/// and reference-counted; libcrypto documents them as safe to share between threads.
struct FetchedAlgorithm: @unchecked Sendable {
    let pointer: OpaquePointer
}

/// SHA-256 (FIPS 180-4), fetched once.
let fetchedSHA256: FetchedAlgorithm = {
    guard let md = EVP_MD_fetch(nil, "SHA256", nil) else {
        preconditionFailure("libcrypto has no SHA256 implementation")
    }
    return FetchedAlgorithm(pointer: md)
}()

/// AES-128-CTR (SP 800-38A §6.5), fetched once.
let fetchedAES128CTR: FetchedAlgorithm = {
    guard let cipher = EVP_CIPHER_fetch(nil, "AES-128-CTR", nil) else {
        preconditionFailure("libcrypto has no AES-128-CTR implementation")
    }
    return FetchedAlgorithm(pointer: cipher)
}()

/// AES-256-GCM (SP 800-38D), fetched once.
let fetchedAES256GCM: FetchedAlgorithm = {
    guard let cipher = EVP_CIPHER_fetch(nil, "AES-256-GCM", nil) else {
        preconditionFailure("libcrypto has no AES-256-GCM implementation")
    }
    return FetchedAlgorithm(pointer: cipher)
}()

/// Builds a `libcryptoFailure` error and clears the thread's libcrypto error queue, so a
/// stale entry never shows up in an unrelated later call.
func libcryptoFailure(_ operation: String) -> CryptoError {
    ERR_clear_error()
    return .libcryptoFailure(operation: operation)
}

/// A non-null address for empty inputs: some libcrypto entry points treat a NULL data pointer
/// as "size query" or reject it even when the length is zero.
private let emptyInputByte: UInt8 = 0

extension Sequence<UInt8> {
    /// Calls `body` with the bytes of `self` in contiguous memory: in place when the sequence
    /// already stores them contiguously (Array, ArraySlice, Data, buffer pointers), otherwise
    /// through a temporary array. The base address is never nil, even for an empty sequence.
    @inline(__always)
    func withContiguousBytes<R>(_ body: (UnsafeRawPointer, Int) throws -> R) rethrows -> R {
        if let result = try withContiguousStorageIfAvailable({ buffer in
            try withNonNullBase(UnsafeRawBufferPointer(buffer), body)
        }) {
            return result
        }
        return try Array(self).withUnsafeBytes { try withNonNullBase($0, body) }
    }
}

@inline(__always)
private func withNonNullBase<R>(
    _ buffer: UnsafeRawBufferPointer, _ body: (UnsafeRawPointer, Int) throws -> R
) rethrows -> R {
    if let base = buffer.baseAddress, buffer.count > 0 {
        return try body(base, buffer.count)
    }
    return try withUnsafePointer(to: emptyInputByte) { try body(UnsafeRawPointer($0), 0) }
}

/// Converts a Swift length to the `int` many libcrypto entry points take.
@inline(__always)
func cInt(_ count: Int, _ operation: String) throws(CryptoError) -> Int32 {
    guard let value = Int32(exactly: count) else { throw libcryptoFailure(operation) }
    return value
}

/// AES-128-ECB (FIPS 197, SP 800-38A §6.1), fetched once: the fixed-key permutation.
let fetchedAES128ECB: FetchedAlgorithm = {
    guard let cipher = EVP_CIPHER_fetch(nil, "AES-128-ECB", nil) else {
        preconditionFailure("libcrypto has no AES-128-ECB implementation")
    }
    return FetchedAlgorithm(pointer: cipher)
}()
