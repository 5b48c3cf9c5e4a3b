import Logging
import GRDB
import IntercomAPI

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
    public var error: String?

    public init(resource: SyncResource) { self.resource = resource }
}

/// The outcome of one sync pass over several resources.
public struct SyncReport: Sendable {
    public var resources: [ResourceReport] = []
    public var api = IntercomStats()
    public var seconds = 0.0

    /// Whether every resource finished.
    public var succeeded: Bool { resources.allSatisfy { $0.error == nil } }
    /// Rows written across resources.
    public var written: Int { resources.reduce(0) { $0 + $1.written } }
}
