/// Builds a benchmark input that cannot fail unless the benchmark itself is wrong.
///
/// Use it for global `let` fixtures: Swift initialises a global lazily, once, on first use, so
/// an input that is expensive to build (Shamir shares of 10^5 elements, packed ciphertexts) is
/// built in the warm-up iteration before `startMeasurement()` and shared by every iteration,
/// instead of being rebuilt before each one.
public func fixture<T>(_ what: String, _ build: () throws -> T) -> T {
    do {
        return try build()
    } catch {
        preconditionFailure("benchmark fixture \(what) failed: \(error)")
    }
}
