import Logging
/// What one sync pass does and how hard it pushes.
public struct SyncOptions: Sendable {
    /// Resources to mirror, in any order.
    public var resources: [SyncResource] = SyncResource.allCases
    /// Force a full sweep (complete id lists, deletion by absence) instead of incremental passes.
    public var full = false
    /// Conversation and sub-list fetches in flight at once, per fan-out (a contact page's enrichment and its event
    /// summaries each have this many); the shared pacer still caps the rate. 32 rather than 16: a full 100k-contact
    /// sync against the simulator took 53.7 s instead of 58.9 s, and against Intercom (about 200 ms a call) 16 in flight
    /// cannot reach the 130 calls/s that 80% of a 10,000-a-minute limit allows.
    public var concurrency = 32
    /// 150 is Intercom's `per_page` maximum for lists and search: bigger pages spend fewer rate-limited calls.
    public var perPage = 150
    /// The fewest rows a sync transaction writes: listed pages are committed together until they hold this many (a
    /// contact page is about 500 rows with its users' event summaries, a conversation page with 10 parts each about
    /// 1,650). A transaction rewrites in the WAL every page of every index it touches, so one transaction per page made
    /// a full 100k-contact sync write 7.3 GB for a 1.4 GB mirror; batches of 2,000 rows wrote 5.7 GB.
    public var batchRows = 2_000
    /// Seconds a change may take to show up in Intercom's search index; incremental windows overlap by this much.
    public var indexLagSeconds = 600
    /// How long to wait for another client's company scroll to expire before giving up on this pass.
    public var scrollWaitSeconds = 75.0

    public init() {}
}
