// swift-tools-version: 6.2
// Covenant: a consortium engine for private joint statistics with an auditable ledger.
// Module layout and dependency direction: see README.md ("Architecture").
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "Covenant",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "covenant", targets: ["covenant"]),
        .library(name: "MultiPrecision", targets: ["MultiPrecision"]),
        .library(name: "CryptoPrimitives", targets: ["CryptoPrimitives"]),
        .library(name: "WireFormat", targets: ["WireFormat"]),
        .library(name: "PaillierEncryption", targets: ["PaillierEncryption"]),
        .library(name: "SecretSharing", targets: ["SecretSharing"]),
        .library(name: "ContractLanguage", targets: ["ContractLanguage"]),
        .library(name: "Circuit", targets: ["Circuit"]),
        .library(name: "CircuitCompiler", targets: ["CircuitCompiler"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        // NodeRuntime: gRPC over HTTP/2 and TLS 1.3, member certificates over Ed25519 keys (protocols/node.md).
        .package(url: "https://github.com/grpc/grpc-swift-2.git", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport.git", from: "2.9.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        // PostgreSQL data sources (protocols/data-sources.md).
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
    ],
    targets: [
        // System-library shims: static inline wrappers only.
        .systemLibrary(name: "CGMP", providers: [.apt(["libgmp-dev"])]),
        .systemLibrary(name: "COpenSSL", providers: [.apt(["libssl-dev"])]),

        // Mathematics and cryptography.
        .target(name: "MultiPrecision", dependencies: ["CGMP"], swiftSettings: swiftSettings),
        .target(name: "CryptoPrimitives", dependencies: ["COpenSSL"], swiftSettings: swiftSettings),
        .target(name: "WireFormat", dependencies: ["MultiPrecision"], swiftSettings: swiftSettings),
        .target(
            name: "PaillierEncryption",
            dependencies: ["MultiPrecision", "CryptoPrimitives", "WireFormat"],
            swiftSettings: swiftSettings),
        .target(
            name: "SecretSharing",
            dependencies: ["MultiPrecision", "CryptoPrimitives", "WireFormat"],
            swiftSettings: swiftSettings),

        // Contracts.
        .target(name: "ContractLanguage", swiftSettings: swiftSettings),
        // Circuit needs no big integers: partial aggregates fit Int128 exactly (protocols/contract-language.md §8.4).
        .target(name: "Circuit", swiftSettings: swiftSettings),
        .target(
            name: "CircuitCompiler",
            dependencies: ["ContractLanguage", "Circuit", "CryptoPrimitives"],
            swiftSettings: swiftSettings),

        // The consortium ledger: entries, Merkle log, checkpoints, SQLite store, audit.
        .target(
            name: "ConsortiumLedger",
            dependencies: ["CryptoPrimitives", "WireFormat", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: swiftSettings),
        // Test-only child process for the ledger's SIGKILL crash test (not API).
        .executableTarget(name: "_LedgerCrashHelper", dependencies: ["ConsortiumLedger"], swiftSettings: swiftSettings),

        // Protocol engines: sans-I/O state machines (additive, secagg, paillier aggregation).
        .target(
            name: "MPCProtocols",
            dependencies: ["MultiPrecision", "CryptoPrimitives", "WireFormat", "SecretSharing", "PaillierEncryption", "Circuit"],
            swiftSettings: swiftSettings),

        // Member data sources (SQLite, CSV, PostgreSQL), validation against the contract's input, local plan execution.
        .target(
            name: "DataSources",
            dependencies: [
                "ContractLanguage", "CircuitCompiler", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings),
        // Records benchmarks/results/beaver-*.json (not API; protocols/beaver.md#rounds-and-cost).
        .executableTarget(
            name: "_BeaverBenchmark",
            dependencies: ["MPCProtocols", "SecretSharing", "CryptoPrimitives"],
            swiftSettings: swiftSettings),
        // Records benchmarks/results/datasources-*.json (not API; the CLI can call LocalPlanBenchmark later);
        // Runtime only for the demo's table (DemoData) in `sqlite-demo`.
        .executableTarget(name: "_DataSourcesBenchmark", dependencies: ["DataSources", "Runtime"], swiftSettings: swiftSettings),

        // A member as an actor and a run from end to end over an abstract Transport (in-memory transport with faults).
        .target(
            name: "Runtime",
            dependencies: [
                "MPCProtocols", "DataSources", "ConsortiumLedger", "CircuitCompiler", "Circuit", "CryptoPrimitives",
                "PaillierEncryption", "SecretSharing", "ContractLanguage", "WireFormat", .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings),

        // The networked transport: gRPC over HTTP/2 and mutually authenticated TLS 1.3 between member
        // nodes pinned to the ledger's member keys, signed envelopes (protocols/node.md).
        .target(
            name: "NodeRuntime",
            dependencies: [
                "Runtime", "MPCProtocols", "CryptoPrimitives", "WireFormat", "ConsortiumLedger", "DataSources", "Circuit",
                "CircuitCompiler", "ContractLanguage", "PaillierEncryption",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings),

        // Throughput figures for `covenant bench` (the ordo-one harness lives in benchmarks/).
        .target(
            name: "Benchmarking",
            dependencies: ["CGMP", "MultiPrecision", "CryptoPrimitives", "PaillierEncryption", "SecretSharing", "ConsortiumLedger", "MPCProtocols"],
            swiftSettings: swiftSettings),

        // The command-line tool: argument parsing and printing only.
        .executableTarget(
            name: "covenant",
            dependencies: [
                "Benchmarking", "ContractLanguage", "CircuitCompiler", "ConsortiumLedger",
                "Runtime", "NodeRuntime",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings),

        // Test support (not API): vector loader, deterministic RNG.
        .target(name: "_TestSupport", swiftSettings: swiftSettings),

        .testTarget(
            name: "MultiPrecisionTests",
            dependencies: [
                "MultiPrecision", "_TestSupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "CryptoPrimitivesTests",
            dependencies: [
                "CryptoPrimitives", "_TestSupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "WireFormatTests",
            dependencies: [
                "WireFormat", "_TestSupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "PaillierEncryptionTests",
            dependencies: [
                "PaillierEncryption", "CryptoPrimitives", "_TestSupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "SecretSharingTests",
            dependencies: [
                "SecretSharing", "_TestSupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "ContractLanguageTests",
            dependencies: [
                "ContractLanguage", "CircuitCompiler", "Circuit", "CryptoPrimitives", "_TestSupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "ConsortiumLedgerTests",
            dependencies: ["ConsortiumLedger", "_LedgerCrashHelper", "_TestSupport"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "DataSourcesTests",
            dependencies: [
                "DataSources", "CircuitCompiler", "ContractLanguage", "_TestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "RuntimeTests",
            dependencies: [
                "Runtime", "MPCProtocols", "DataSources", "ConsortiumLedger", "CircuitCompiler", "Circuit", "ContractLanguage",
                "CryptoPrimitives", "MultiPrecision", "PaillierEncryption", "WireFormat", "_TestSupport", "_LedgerCrashHelper",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings),
        // The `covenant` binary run as a real child process: exit codes, output, demo + audit.
        .testTarget(
            name: "CommandLineTests",
            dependencies: ["covenant", "ConsortiumLedger", "_TestSupport"],
            swiftSettings: swiftSettings),
        // Real TLS over real sockets on 127.0.0.1: three nodes, refused peers, hostile bytes, a contract run.
        .testTarget(
            name: "NodeRuntimeTests",
            dependencies: [
                "covenant", "NodeRuntime", "Runtime", "ContractLanguage", "MPCProtocols", "CryptoPrimitives", "ConsortiumLedger", "Circuit", "CircuitCompiler",
                "DataSources", "MultiPrecision", "PaillierEncryption", "WireFormat", "_TestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "MPCProtocolsTests",
            dependencies: [
                "MPCProtocols", "_TestSupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: swiftSettings),
    ]
)

// Fuzz harnesses (Tests/Fuzz): only with COVENANT_FUZZ=1, built with
// `swift build -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library --product <Name>`.
if Context.environment["COVENANT_FUZZ"] == "1" {
    package.targets.append(
        .executableTarget(
            name: "ContractParserFuzz",
            dependencies: ["ContractLanguage", "CircuitCompiler"],
            path: "Tests/Fuzz/ContractParserFuzz",
            swiftSettings: swiftSettings))
    package.products.append(.executable(name: "ContractParserFuzz", targets: ["ContractParserFuzz"]))
    package.targets.append(
        .executableTarget(
            name: "WireFormatFuzz",
            dependencies: ["PaillierEncryption", "WireFormat", "MultiPrecision"],
            path: "Tests/Fuzz/WireFormatFuzz",
            swiftSettings: swiftSettings))
    package.products.append(.executable(name: "WireFormatFuzz", targets: ["WireFormatFuzz"]))
}
