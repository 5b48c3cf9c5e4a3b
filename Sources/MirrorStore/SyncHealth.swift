import IntercomAPI
import Synchronization

/// What the running sync knows that is not in the mirror: whether Intercom accepted the token, and whose it is. `serve`
/// shares one between its scheduler and the read API, so a rejected token turns `/readyz` 503 and `/sync` says why,
/// without the sync writing anything.
public final class SyncHealth: Sendable {
    /// The state after the latest pass's `GET /me`.
    public struct State: Sendable, Equatable {
        /// The Intercom host the sync calls.
        public var host: String
        /// Why Intercom rejected the token (401 `unauthorized`), nil when it was accepted or not tried yet.
        public var credentialProblem: String?
        /// Whose token it is, from the last `/me` that answered.
        public var workspace: IntercomWorkspace?
        /// When `/me` was last tried (unix seconds).
        public var checkedAt: Int?
        /// The scheduler's plan in `serve`; nil for a one-off `sync`.
        public var schedule: Schedule?
    }

    /// When the scheduler runs next: what `/sync` and the page show as the next scheduled pass.
    public struct Schedule: Sendable, Equatable {
        /// Seconds between incremental passes and between full sweeps.
        public var interval: Int
        public var fullInterval: Int
        /// Whether a pass is under way, and since when (unix seconds).
        public var runningSince: Int?
        /// Whether the pass under way (or the next one) is a full sweep.
        public var full: Bool
        /// When the next pass starts (while one runs: not before this, later if the pass under way takes longer) and when
        /// the next full sweep is due (unix seconds; nil while unknown).
        public var nextPassAt: Int?
        public var nextFullSweepAt: Int?

        public init(interval: Int, fullInterval: Int, runningSince: Int? = nil, full: Bool = false, nextPassAt: Int? = nil,
                    nextFullSweepAt: Int? = nil) {
            self.interval = interval
            self.fullInterval = fullInterval
            self.runningSince = runningSince
            self.full = full
            self.nextPassAt = nextPassAt
            self.nextFullSweepAt = nextFullSweepAt
        }
    }

    private let state: Mutex<State>

    public init(host: String) { state = Mutex(State(host: host)) }

    public var current: State { state.withLock { $0 } }

    /// Records the scheduler's plan.
    public func record(schedule: Schedule) {
        state.withLock { $0.schedule = schedule }
    }

    /// Records a pass's `/me`: the workspace it named, or why the token was rejected.
    public func record(workspace: IntercomWorkspace?, credentialProblem: String?, at now: Int) {
        state.withLock {
            $0.credentialProblem = credentialProblem
            if let workspace { $0.workspace = workspace }
            $0.checkedAt = now
        }
    }
}
