public import Benchmark

/// Configuration shared by every Covenant benchmark (STYLE §8).
public enum CovenantBenchmark {
    /// The metrics CI gates on: they do not depend on how loaded the machine is.
    /// `mallocCountTotal` needs the malloc interposer (the "MallocInterposer" trait);
    /// `instructions` needs hardware counters (`perf_event_open`), which some virtual
    /// machines do not expose, in which case it reads as zero.
    public static let deterministicMetrics: [BenchmarkMetric] = [.mallocCountTotal, .instructions]

    /// Wall-clock metrics, for local runs only. CI never gates on them: restrict a run to
    /// the deterministic metrics with `--metric mallocCountTotal --metric instructions`.
    /// (`cpuTotal` is left out: Linux reports it in 10 ms ticks, coarser than most iterations.)
    public static let wallClockMetrics: [BenchmarkMetric] = [.wallClock, .throughput]

    /// Tolerances for `thresholds check`: malloc counts must match exactly (allowing two
    /// allocations of harness noise); instruction counts may drift 2% (GMP picks code
    /// paths by CPU, and libcrypto by CPU features).
    /// (Computed: `BenchmarkThresholds` is not `Sendable`, so it cannot be a stored global.)
    public static var thresholds: [BenchmarkMetric: BenchmarkThresholds] {
        [
            .mallocCountTotal: .init(relative: [.p90: 0.0], absolute: [.p90: 2]),
            .instructions: .init(relative: [.p90: 2.0]),
        ]
    }

    /// A configuration measuring both metric families.
    /// - Parameters:
    ///   - scalingFactor: operations per measured iteration (loop over `scaledIterations`).
    ///   - maxDuration: wall-clock budget per benchmark.
    ///   - maxIterations: iteration cap per benchmark.
    public static func configuration(
        scalingFactor: BenchmarkScalingFactor = .one,
        maxDuration: Duration = .seconds(2),
        maxIterations: Int = 1_000
    ) -> Benchmark.Configuration {
        .init(
            metrics: wallClockMetrics + deterministicMetrics,
            warmupIterations: 1,
            scalingFactor: scalingFactor,
            maxDuration: maxDuration,
            maxIterations: maxIterations,
            thresholds: thresholds
        )
    }
}
