import Synchronization

/// The hand-off between the webhook route and the worker that applies hints. The route only verifies and drops a
/// notification here, so it answers well inside Intercom's 5 s; notifications about one item wait as one hint (a burst
/// of replies costs one re-fetch); an id seen recently is a repeat and changes nothing. It also keeps the counters
/// `/sync` and `/metrics` report, since the process started.
public final class NotificationInbox: Sendable {
    /// What became of a delivery the route accepted.
    public enum Receipt: String, Sendable {
        /// A new hint for the worker.
        case queued
        /// Joined a hint already waiting for the same item.
        case merged
        /// This notification id was already received: nothing happens twice.
        case duplicate
        /// A topic the mirror does not act on (logged, counted, not queued).
        case ignored
        /// The queue was full; the next poll repairs what this would have told.
        case overflowed
    }

    /// Webhook counters since the process started.
    public struct Counters: Sendable, Equatable {
        /// Signed, well-formed deliveries, repeats and ignored topics included.
        public var received = 0
        /// Deliveries refused, by reason (`missing_signature`, `bad_signature`, `malformed`, `too_large`).
        public var rejected: [String: Int] = [:]
        public var duplicates = 0
        public var ignored = 0
        public var overflowed = 0
        /// Notifications whose item was re-fetched and written (or whose deletion was applied).
        public var applied = 0
        /// Notifications whose re-fetch failed; the next poll repairs the item.
        public var failed = 0
        /// Items waiting for the worker (read off the queue when the snapshot is taken).
        public var pending = 0
        public var receivedByResource: [String: Int] = [:]
        public var appliedByResource: [String: Int] = [:]
        public var lastReceivedAt: Int?
        public var lastAppliedAt: Int?

        public var rejectedTotal: Int { rejected.values.reduce(0, +) }
    }

    struct State {
        var pending: [NotificationHint: [IntercomNotification]] = [:]
        /// Recently received ids, oldest overwritten first.
        var recent = Set<String>()
        var ring: [String] = []
        var ringNext = 0
        var counters = Counters()
    }

    private let state = Mutex(State())
    private let stream: AsyncStream<NotificationHint>
    private let continuation: AsyncStream<NotificationHint>.Continuation
    /// Most items waiting at once; beyond it a delivery is dropped and counted (polling still repairs it).
    public let capacity: Int
    /// How many notification ids are remembered to spot repeats. Intercom retries once, a minute later, so a few
    /// minutes of traffic is plenty; the worker also skips ids the mirror has already recorded.
    public let memory: Int

    public init(capacity: Int = 10_000, memory: Int = 50_000) {
        self.capacity = capacity
        self.memory = memory
        (stream, continuation) = AsyncStream.makeStream(of: NotificationHint.self)
    }

    /// Hints in arrival order, for one consumer; ends when the inbox is closed.
    public var hints: AsyncStream<NotificationHint> { stream }

    /// Takes in a verified notification.
    /// `counting` false takes one the counters already counted (a replica's leader taking it from the shared queue).
    public func receive(_ notification: IntercomNotification, at now: Int, counting: Bool = true) -> Receipt {
        let (receipt, hint): (Receipt, NotificationHint?) = state.withLock { s in
            if counting {
                s.counters.received += 1
                s.counters.lastReceivedAt = now
            }
            guard s.recent.insert(notification.id).inserted else {
                s.counters.duplicates += 1
                return (.duplicate, nil)
            }
            if s.ring.count < memory {
                s.ring.append(notification.id)
            } else {
                s.recent.remove(s.ring[s.ringNext])
                s.ring[s.ringNext] = notification.id
                s.ringNext = (s.ringNext + 1) % memory
            }
            guard let hint = notification.hint else {
                s.counters.ignored += 1
                return (.ignored, nil)
            }
            s.counters.receivedByResource[hint.kind.resource, default: 0] += 1
            if s.pending[hint] != nil {
                s.pending[hint]!.append(notification)
                return (.merged, nil)
            }
            guard s.pending.count < capacity else {
                s.counters.overflowed += 1
                return (.overflowed, nil)
            }
            s.pending[hint] = [notification]
            return (.queued, hint)
        }
        if let hint { continuation.yield(hint) }
        return receipt
    }

    /// Counts a delivery this replica verified and queued in the database for the leader (`duplicate`: queued before).
    public func countQueued(duplicate: Bool, at now: Int) {
        state.withLock { s in
            s.counters.received += 1
            s.counters.lastReceivedAt = now
            if duplicate { s.counters.duplicates += 1 }
        }
    }

    /// Counts a delivery the route refused.
    public func reject(_ reason: String) {
        state.withLock { $0.counters.rejected[reason, default: 0] += 1 }
    }

    /// Removes and returns the notifications waiting on `hint`; ones arriving after this make a new hint.
    public func take(_ hint: NotificationHint) -> [IntercomNotification] {
        state.withLock { $0.pending.removeValue(forKey: hint) ?? [] }
    }

    /// Records how the worker finished one hint's notifications: applied, found already applied by an earlier
    /// process (repeats), or failed (the next poll repairs those).
    public func finished(_ hint: NotificationHint, applied: Int, repeated: Int = 0, failed: Int = 0, at now: Int) {
        state.withLock { s in
            s.counters.applied += applied
            s.counters.duplicates += repeated
            s.counters.failed += failed
            if applied > 0 {
                s.counters.appliedByResource[hint.kind.resource, default: 0] += applied
                s.counters.lastAppliedAt = now
            }
        }
    }

    /// A snapshot of the counters.
    public var counters: Counters {
        state.withLock { s in
            var counters = s.counters
            counters.pending = s.pending.count
            return counters
        }
    }
}
