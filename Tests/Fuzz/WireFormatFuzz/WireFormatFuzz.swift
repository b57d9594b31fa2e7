import MultiPrecision
import PaillierEncryption
import WireFormat

/// libFuzzer entry point for every WireFormat decoder of key material, ciphertexts, shares and
/// proofs (spec: protocols/wire-format.md). Any input must decode or throw a
/// `WireFormatError`; a trap, hang, oversized allocation or sanitizer report is a bug.
/// Crashers go to Tests/Fuzz/FailCases/WireFormat/, which PaillierEncryptionTests replays.
@_cdecl("LLVMFuzzerTestOneInput")
public func wireFormatFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    WireFormatFuzzing.exercise(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt
) -> CInt

/// SwiftPM links an executable's entry point as `<Module>_main`; with `-parse-as-library` there is
/// none, so this hands control to libFuzzer's driver.
@_cdecl("WireFormatFuzz_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    var count = argc
    var arguments: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = argv
    return runFuzzerDriver(&count, &arguments) { data, size in wireFormatFuzz(data, size) }
}
