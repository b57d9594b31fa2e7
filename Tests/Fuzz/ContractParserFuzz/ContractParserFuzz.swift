import CircuitCompiler
import ContractLanguage

/// libFuzzer entry point for the contract parser, type checker and planner
/// (spec: protocols/contract-language.md §9.3). Any input must be rejected with diagnostics or
/// compile; a trap, hang or sanitizer report is a bug. Crashers go to
/// Tests/Fuzz/FailCases/ContractParser/, which ContractLanguageTests replays.
@_cdecl("LLVMFuzzerTestOneInput")
public func contractParserFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let source = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let parsed = Parser.parse(source)
    if let contract = parsed.contract {
        _ = PrettyPrinter.format(contract)
        if parsed.succeeded, let checked = try? TypeChecker.check(contract), checked.groupCount <= 64 {
            let compiled = ContractCompiler.compile(checked)
            _ = compiled.contractID
        }
    }
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt
) -> CInt

/// SwiftPM links an executable's entry point as `<Module>_main`; with `-parse-as-library` there is
/// none, so this hands control to libFuzzer's driver (which then calls the entry point above).
@_cdecl("ContractParserFuzz_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    var count = argc
    var arguments: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = argv
    return runFuzzerDriver(&count, &arguments) { data, size in contractParserFuzz(data, size) }
}
