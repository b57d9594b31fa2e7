extension Task where Success == Void, Failure == Never {
    /// Waits for the task to end, cancelling it once `grace` has passed (a server or client
    /// shutting down gracefully gives its calls in flight that long; protocols/node.md#deadlines-and-reconnection).
    /// - Parameter grace: How long to wait before cancelling.
    func finish(cancellingAfter grace: Duration) async {
        let cut = Task<Void, Never> {
            try? await Task<Never, Never>.sleep(for: grace)
            self.cancel()
        }
        await value
        cut.cancel()
    }
}
