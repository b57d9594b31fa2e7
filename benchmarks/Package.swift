// swift-tools-version: 6.2
// Covenant benchmarks: a separate package so that the main package never depends on the
// benchmark harness (STYLE §8). Run from the repository root:
//   swift package --package-path benchmarks benchmark
// See benchmarks/README.md.
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

// The harness's default traits on Linux with Swift 6.3 include "RuntimeInterposer", which
// pulls in ordo-one/swift-runtime-interposer (only needed for the ARC metrics retainCount,
// releaseCount, objectAllocCount, which these benchmarks do not use). Naming the traits
// explicitly leaves it out. "MallocInterposer" (ordo-one/malloc-interposer, LD_PRELOADed
// by the plugin) provides mallocCountTotal and needs no system package. Setting
// BENCHMARK_DISABLE_MALLOC_INTERPOSER or BENCHMARK_DISABLE_JEMALLOC drops it too, as the
// harness's own manifest does, at the cost of the malloc metrics.
let disableMallocInterposer =
    Context.environment["BENCHMARK_DISABLE_MALLOC_INTERPOSER"] != nil
    || Context.environment["BENCHMARK_DISABLE_JEMALLOC"] != nil
let benchmarkTraits: Set<Package.Dependency.Trait> = disableMallocInterposer ? [] : ["MallocInterposer"]

/// One benchmark executable per area, at `Benchmarks/<Area>Benchmarks/` (the plugin only
/// runs executable targets whose parent directory is named `Benchmarks`).
func benchmarkTarget(_ name: String, _ dependencies: [Target.Dependency]) -> Target {
    .executableTarget(
        name: name,
        dependencies: dependencies + [
            "_BenchmarkSupport",
            .product(name: "Benchmark", package: "benchmark"),
        ],
        path: "Benchmarks/\(name)",
        swiftSettings: swiftSettings,
        plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
    )
}

let package = Package(
    name: "CovenantBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Covenant", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: benchmarkTraits),
    ],
    targets: [
        // Seeded generator, shared configuration and fixed-seed Paillier keys (not API).
        .target(
            name: "_BenchmarkSupport",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "MultiPrecision", package: "Covenant"),
                .product(name: "PaillierEncryption", package: "Covenant"),
            ],
            swiftSettings: swiftSettings),

        benchmarkTarget("BigIntBenchmarks", [.product(name: "MultiPrecision", package: "Covenant")]),
        benchmarkTarget("PaillierBenchmarks", [
            .product(name: "MultiPrecision", package: "Covenant"),
            .product(name: "PaillierEncryption", package: "Covenant"),
        ]),
        benchmarkTarget("PackingBenchmarks", [
            .product(name: "MultiPrecision", package: "Covenant"),
            .product(name: "PaillierEncryption", package: "Covenant"),
        ]),
        benchmarkTarget("SharingBenchmarks", [
            .product(name: "MultiPrecision", package: "Covenant"),
            .product(name: "SecretSharing", package: "Covenant"),
            .product(name: "CryptoPrimitives", package: "Covenant"),
        ]),
        benchmarkTarget("PRGBenchmarks", [.product(name: "CryptoPrimitives", package: "Covenant")]),
    ]
)
