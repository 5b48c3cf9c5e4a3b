import IntercomAPI
import Foundation
import Synchronization

/// The live simulated workspace: seeded state behind a lock, plus the API's own bookkeeping
/// (clock, scrolls, rate-limit windows, fault injection and call counters).
public final class Workspace: Sendable {
    public let options: SimulatorOptions
    let state: Mutex<WorkspaceState>
    let runtime: Mutex<Runtime>
    let timezone: TimeZone
    /// The workspace's app id, stable per seed.
    public let appId: String
    /// Sends Intercom-style webhooks for the control surface's mutations.
    public let webhooks: WebhookSender

    /// Mutable API bookkeeping, separate from the data so counting calls never waits on a big read.
    struct Runtime {
        var clockOffset = 0
        var rateLimit: Int
        var faultRate: Double
        var searchIndexLag: Int
        var window = RateWindow()
        var scroll: OpenScroll?
        var counters = CallCounters()
        var faultRandom: SeededRandom
        /// Faults queued through the control surface, served before any random draw.
        var forcedFaults: [Fault] = []
        var stallSeconds: Double
        /// Added to every authenticated call, so tests can see how many calls a client keeps in flight.
        var latencySeconds = 0.0
        var inFlight = 0
        var userCounts: (version: Int, counts: [String: Int]) = (-1, [:])
        var searchCache: [String: (version: Int, lagCutoff: Int, items: [SearchKey])] = [:]
        /// Scopes refused to the token, and how (see `Denial`).
        var denials: [String: Denial] = [:]
        /// Schema drift applied to responses.
        var drift = DriftSettings()
        /// Set through the control surface: the next scroll expires after serving this many pages, as if its client
        /// had idled past `scrollExpiry`; then it is cleared.
        var expireScrollAfterPages: Int?
        /// Set through the control surface: this many next scroll starts are refused with `scroll_exists`, as if another
        /// app's scroll were open.
        var forcedScrollConflicts = 0
    }

    struct RateWindow {
        var start = 0
        var used = 0
    }

    struct OpenScroll {
        var param: String
        var position: Int
        var lastUsed: Int
        var finished: Bool
        var pages: Int
    }

    /// What the simulator saw of its clients, for tests and benchmarks.
    public struct CallCounters: Sendable {
        public var calls = 0
        public var byEndpoint: [String: Int] = [:]
        public var rateLimited = 0
        public var faults = 0
        public var scrollConflicts = 0
        public var unauthorized = 0
        /// The most authenticated calls the simulator was answering at once.
        public var maxInFlight = 0
    }

    /// Sort key of a search hit: the sort field's value, then seq as tiebreak.
    struct SearchKey: Comparable {
        var value: Int
        var seq: Int
        static func < (a: SearchKey, b: SearchKey) -> Bool { (a.value, a.seq) < (b.value, b.seq) }
    }

    public init(options: SimulatorOptions) {
        self.options = options
        self.timezone = TimeZone(identifier: options.timezone) ?? TimeZone(secondsFromGMT: 0)!
        self.appId = "sim" + hex(options.seed & 0xFFFFFF, width: 6)
        self.webhooks = WebhookSender(settings: .init(url: options.webhookURL, secret: options.webhookSecret), appId: appId, seed: options.seed)
        self.state = Mutex(Generator(options: options).build())
        self.runtime = Mutex(Runtime(rateLimit: options.rateLimit, faultRate: options.faultRate,
                                     searchIndexLag: options.searchIndexLag,
                                     faultRandom: SeededRandom(seed: options.seed, stream: 99),
                                     stallSeconds: options.stallSeconds,
                                     denials: options.denials,
                                     drift: DriftSettings(share: options.driftShare, fields: options.driftFields, seed: options.seed)))
    }

    /// Simulator time: the wall clock plus any offset a test set through the control surface.
    public func now() -> Int { Int(Date().timeIntervalSince1970) + runtime.withLock { $0.clockOffset } }

    /// Reads the state under the lock; copy what you need out, render outside.
    public func read<T: Sendable, E: Error>(_ body: (borrowing WorkspaceState) throws(E) -> T) throws(E) -> T {
        try state.withLock { (s: inout WorkspaceState) throws(E) -> T in try body(s) }
    }

    /// Changes the state under the lock and bumps its version.
    public func mutate<T: Sendable, E: Error>(_ body: (inout WorkspaceState) throws(E) -> T) throws(E) -> T {
        try state.withLock { (s: inout WorkspaceState) throws(E) -> T in
            let result = try body(&s)
            s.version += 1
            return result
        }
    }

    /// Active contacts per company, recomputed only after a mutation.
    func userCounts() -> [String: Int] {
        let version = state.withLock { $0.version }
        if let cached = runtime.withLock({ $0.userCounts.version == version ? $0.userCounts.counts : nil }) { return cached }
        let counts = state.withLock { $0.userCounts() }
        runtime.withLock { $0.userCounts = (version, counts) }
        return counts
    }

    func renderer() -> Renderer {
        let counts = userCounts()
        return state.withLock { Renderer(state: $0, userCounts: counts, appId: appId) }
    }
}

// MARK: - Rate limiting and faults

extension Workspace {
    /// The outcome of admitting one call against the 10-second window.
    public struct Admission: Sendable {
        public var allowed: Bool
        public var limit: Int
        public var remaining: Int
        public var reset: Int
    }

    /// Intercom enforces its per-minute limit in 10-second windows of a sixth each.
    static let windowSeconds = 10

    /// Counts one authenticated call against the current window.
    public func admit() -> Admission {
        let now = self.now()
        return runtime.withLock { r in
            // With the limit off, headers still advertise a generous budget, as a quiet workspace would.
            let perMinute = r.rateLimit > 0 ? r.rateLimit : 1_000_000
            let perWindow = max(1, perMinute / 6)
            let windowStart = now - now % Workspace.windowSeconds
            if r.window.start != windowStart { r.window = RateWindow(start: windowStart, used: 0) }
            let reset = windowStart + Workspace.windowSeconds
            guard r.rateLimit == 0 || r.window.used < perWindow else {
                r.counters.rateLimited += 1
                return Admission(allowed: false, limit: perWindow, remaining: 0, reset: reset)
            }
            r.window.used += 1
            // Limit and Remaining are both per window, as Intercom reports them, so clients can divide one by the other.
            return Admission(allowed: true, limit: perWindow, remaining: max(0, perWindow - r.window.used), reset: reset)
        }
    }

    /// One of the failures the real API produces under load.
    public enum Fault: String, Sendable, CaseIterable {
        case internalError = "internal_error", badGatewayHTML = "bad_gateway_html", unavailable, truncatedBody = "truncated_body", stall
    }

    /// Draws whether this call fails, at the configured fault rate.
    public func drawFault() -> Fault? {
        runtime.withLock { r in
            if !r.forcedFaults.isEmpty {
                r.counters.faults += 1
                return r.forcedFaults.removeFirst()
            }
            guard r.faultRate > 0, r.faultRandom.chance(r.faultRate) else { return nil }
            r.counters.faults += 1
            return r.faultRandom.pick(Fault.allCases)
        }
    }

    /// How long a stall fault hangs.
    var stallSeconds: Double { runtime.withLock { $0.stallSeconds } }

    /// Records a call for the counters the control surface reports.
    public func count(endpoint: String, status: Int) {
        runtime.withLock { r in
            r.counters.calls += 1
            r.counters.byEndpoint[endpoint, default: 0] += 1
            if status == 401 { r.counters.unauthorized += 1 }
        }
    }

    public var counters: CallCounters { runtime.withLock { $0.counters } }

    /// Marks a call as being answered; returns the configured latency to add to it.
    func enter() -> Double {
        runtime.withLock { r in
            r.inFlight += 1
            r.counters.maxInFlight = max(r.counters.maxInFlight, r.inFlight)
            return r.latencySeconds
        }
    }

    /// Marks a call as answered.
    func leave() { runtime.withLock { $0.inFlight -= 1 } }
}

// MARK: - Scroll

extension Workspace {
    /// Scroll pages hold 50 companies.
    static let scrollPageSize = 50

    /// The next scroll page: one open scroll per app, expiring after idling, ending with an empty page.
    func scroll(param: String?) throws(SimulatorError) -> (ids: [String], param: String) {
        let now = self.now()
        let expiry = options.scrollExpiry
        let ids = state.withLock { $0.visibleCompanies.map(\.id) }
        return try runtime.withLock { (r: inout Runtime) throws(SimulatorError) -> (ids: [String], param: String) in
            if let open = r.scroll, now - open.lastUsed > expiry || open.finished { r.scroll = nil }
            guard let param, !param.isEmpty else {
                if r.scroll != nil || r.forcedScrollConflicts > 0 {
                    r.forcedScrollConflicts = max(0, r.forcedScrollConflicts - 1)
                    r.counters.scrollConflicts += 1
                    throw .badRequest("scroll already exists for this workspace, please use the scroll_param of the existing scroll",
                                      code: "scroll_exists")
                }
                let newParam = UUID().uuidString.lowercased()
                let page = Array(ids.prefix(Workspace.scrollPageSize))
                r.scroll = OpenScroll(param: newParam, position: page.count, lastUsed: now, finished: page.isEmpty, pages: 1)
                r.expireScrollIfAsked()
                return (page, newParam)
            }
            guard var open = r.scroll, open.param == param else {
                throw SimulatorError(status: 404, code: "not_found", message: "scroll_param not found or expired, please start a new scroll")
            }
            let page = Array(ids.dropFirst(open.position).prefix(Workspace.scrollPageSize))
            open.position += page.count
            open.lastUsed = now
            open.finished = page.isEmpty
            open.pages += 1
            r.scroll = open
            r.expireScrollIfAsked()
            return (page, param)
        }
    }

    /// A 500 during a scroll kills it: Intercom cannot resume a scroll after a network error.
    func abandonScroll() { runtime.withLock { $0.scroll = nil } }
}

extension Workspace.Runtime {
    /// Drops the open scroll once it has served the pages the control surface asked for.
    mutating func expireScrollIfAsked() {
        guard let limit = expireScrollAfterPages, let open = scroll, open.pages >= limit else { return }
        scroll = nil
        expireScrollAfterPages = nil
    }
}
