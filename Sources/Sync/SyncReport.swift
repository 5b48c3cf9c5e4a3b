import IntercomAPI
import MirrorStore

/// What one resource's pass did.
public struct ResourceReport: Sendable, Equatable {
    public var resource: SyncResource
    public var mode: String = "incremental"
    public var written = 0
    public var deleted = 0
    /// Rows of the resource's main table after the pass.
    public var mirrored: Int?
    /// Intercom's own total, when the pass saw one.
    public var intercomTotal: Int?
    /// Conversations whose parts Intercom cut at 500.
    public var truncated = 0
    public var seconds = 0.0
    /// Why the pass failed (5xx or network past the retries, a broken page): the resource is `failed`.
    public var error: String?
    /// Why Intercom would not serve the resource to this token: the resource is `unavailable`, its rows kept.
    public var unavailable: AccessProblem?
    /// Sub-resources and feeds of this resource that were refused this pass; the resource synced without them.
    public var unavailableScopes: [(scope: AccessScope, problem: AccessProblem)] = []
    /// What the pass could only do another way, such as finding deletions by the full sweep alone.
    public var notes: [String] = []
    /// Values of an unexpected JSON type the pass stored as best it could (the original is in `raw`).
    public var drift: [DriftedField] = []

    public init(resource: SyncResource) { self.resource = resource }

    /// `ok`, `unavailable` or `failed`, as `/sync` and the CLI summary say it.
    public var status: String { error != nil ? "failed" : unavailable != nil ? "unavailable" : "ok" }

    public static func == (lhs: ResourceReport, rhs: ResourceReport) -> Bool {
        lhs.resource == rhs.resource && lhs.mode == rhs.mode && lhs.written == rhs.written && lhs.deleted == rhs.deleted
            && lhs.mirrored == rhs.mirrored && lhs.intercomTotal == rhs.intercomTotal && lhs.truncated == rhs.truncated
            && lhs.error == rhs.error && lhs.unavailable == rhs.unavailable && lhs.notes == rhs.notes && lhs.drift == rhs.drift
            && lhs.unavailableScopes.elementsEqual(rhs.unavailableScopes) { $0.scope == $1.scope && $0.problem == $1.problem }
    }
}

/// The outcome of one sync pass over several resources.
public struct SyncReport: Sendable {
    public var resources: [ResourceReport] = []
    public var api = IntercomStats()
    public var seconds = 0.0
    /// Who the token belongs to, when `/me` answered.
    public var workspace: IntercomWorkspace?

    /// Whether no resource failed: each is `ok` or `unavailable` (refused by Intercom, which retrying cannot fix).
    public var succeeded: Bool { resources.allSatisfy { $0.error == nil } }
    /// Rows written across resources.
    public var written: Int { resources.reduce(0) { $0 + $1.written } }
}
