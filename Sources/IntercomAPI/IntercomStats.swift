import Synchronization

/// Counters of one client's traffic, for the sync summary and metrics.
public struct IntercomStats: Sendable, Equatable {
    /// HTTP calls sent, retries included.
    public var calls = 0
    /// Calls answered 429.
    public var rateLimited = 0
    /// Calls sent again after a failure.
    public var retries = 0
    /// Calls that got no answer at all (a timeout, a dropped connection): Intercom may still have acted on them.
    public var transportFailures = 0
    /// Seconds spent waiting for the rate-limit window to reopen.
    public var pacedSeconds = 0.0

    public init() {}
}

/// A lock around `IntercomStats`, shared by the client's concurrent calls.
final class StatsBox: Sendable {
    private let stats = Mutex(IntercomStats())
    func update(_ body: (inout IntercomStats) -> Void) { stats.withLock { body(&$0) } }
    var snapshot: IntercomStats { stats.withLock { $0 } }
}
