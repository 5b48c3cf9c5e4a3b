/// Decides when the next Intercom call may go, from the `X-RateLimit-*` headers of the calls before it.
///
/// Intercom enforces its limit per 10-second window and reports `Limit` and `Remaining` for the app's window,
/// with `Reset` as the epoch second the window ends. The pacer spends at most `share` of each window, so other
/// apps of the workspace keep working, and counts calls still in flight so concurrent workers never overshoot.
/// A pure value type: the client feeds it times and headers, and it answers with actions.
public struct RateLimitPacer: Sendable, Equatable {
    /// What the caller should do now.
    public enum Action: Sendable, Equatable {
        /// Send the call (the pacer counted it as in flight).
        case send
        /// Wait until this epoch time, then ask again.
        case wait(until: Double)
    }

    /// Share of each window's budget we may spend; 0.8 leaves a fifth for the workspace's other apps.
    public let share: Double
    /// Calls allowed before the first headers arrive: one, so the first response teaches the real limit.
    static let probeCalls = 1

    var limit: Int?
    var usedInWindow = 0
    var windowReset: Double?
    var inFlight = 0

    public init(share: Double = 0.8) {
        precondition(share > 0 && share <= 1, "share must be in (0, 1]")
        self.share = share
    }

    /// The calls this pacer may make in one window.
    public var budget: Int? { limit.map { max(1, Int((Double($0) * share).rounded(.down))) } }

    /// Asks whether a call may be sent at `now` (epoch seconds).
    public mutating func next(now: Double) -> Action {
        if let reset = windowReset, now >= reset {
            // A new window: what we knew of the old one no longer counts.
            usedInWindow = 0
            windowReset = nil
        }
        guard let budget else {
            guard inFlight < Self.probeCalls else { return .wait(until: now + 0.05) }
            inFlight += 1
            return .send
        }
        if usedInWindow + inFlight < budget {
            inFlight += 1
            return .send
        }
        return .wait(until: windowReset ?? now + 0.05)
    }

    /// Records a response's headers; every call that `next` sent must come back through here or `cancelled`.
    public mutating func observe(limit: Int, remaining: Int, reset: Int, now: Double) {
        inFlight = max(0, inFlight - 1)
        self.limit = max(1, limit)
        let resetTime = Double(reset)
        if let known = windowReset, resetTime < known { return }  // a late answer from an older window
        if windowReset != resetTime { usedInWindow = 0 }
        windowReset = resetTime
        usedInWindow = max(usedInWindow, limit - remaining)
    }

    /// Records a 429: the window is spent until `reset`.
    public mutating func rateLimited(reset: Int?, now: Double) {
        inFlight = max(0, inFlight - 1)
        windowReset = reset.map(Double.init) ?? now + 10
        usedInWindow = limit ?? Int.max / 2
    }

    /// Records a call that ended without headers (a connection error or an HTML error page).
    public mutating func cancelled() { inFlight = max(0, inFlight - 1) }
}
