import Foundation

/// The one rate-limit pacer a process shares: callers wait here until `RateLimitPacer` lets them send.
actor PacerGate {
    private var pacer: RateLimitPacer
    /// Seconds the server's clock runs ahead of ours, learned from `X-RateLimit-Reset`.
    private var skew = 0.0
    /// Intercom's windows last 10 seconds, so a reset further away than that means our clocks disagree.
    static let windowSeconds = 10.0

    init(share: Double) { pacer = RateLimitPacer(share: share) }

    /// Waits until a call may go; returns the seconds spent waiting.
    func acquire() async throws -> Double {
        var waited = 0.0
        while true {
            let now = Date().timeIntervalSince1970
            switch pacer.next(now: now) {
            case .send: return waited
            case let .wait(until):
                let pause = min(max(0.005, until - now), Self.windowSeconds)
                waited += pause
                try await Task.sleep(for: .seconds(pause))
            }
        }
    }

    /// Feeds a response's headers to the pacer, in our clock.
    func observe(limit: Int, remaining: Int, reset: Int) {
        let now = Date().timeIntervalSince1970
        pacer.observe(limit: limit, remaining: remaining, reset: localReset(reset, now: now), now: now)
    }

    /// Records a 429.
    func rateLimited(reset: Int?) {
        let now = Date().timeIntervalSince1970
        pacer.rateLimited(reset: reset.map { localReset($0, now: now) }, now: now)
    }

    /// Releases the slot of a call that ended without rate-limit headers.
    func cancelled() { pacer.cancelled() }

    /// Converts a server reset time to ours; a reset outside the next window means the clocks are skewed.
    private func localReset(_ reset: Int, now: Double) -> Int {
        let ahead = Double(reset) - skew - now
        if ahead < -1 || ahead > Self.windowSeconds + 1 {
            // Assume the middle of a window: off by at most 5 s, once, instead of waiting out the skew.
            skew = Double(reset) - now - Self.windowSeconds / 2
        }
        return Int((Double(reset) - skew).rounded(.up))
    }
}
