import IntercomAPI
import GRDB

/// A resource's sync progress, committed in the same transaction as the rows it covers.
public struct Checkpoint: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "sync_state"

    /// What the resource is doing: `idle`, or `incremental` / `sweep` while a pass is under way.
    public enum Mode: String, Codable, Sendable { case idle, incremental, sweep }

    public var resource: String
    public var mode: Mode = .idle
    /// Where an interrupted pass resumes: a cursor, page number or other position; nil to start over.
    public var position: String?
    /// Newest `updated_at` (unix seconds) known to be fully applied; incremental passes search from here.
    public var watermark: Int?
    /// When the pass under way started (unix seconds).
    public var passStartedAt: Int?
    /// Generation of the current or last full sweep; rows a completed sweep did not stamp are gone from Intercom.
    public var sweepGeneration = 0
    public var lastIncrementalAt: Int?
    public var lastFullSweepAt: Int?
    public var lastSuccessAt: Int?
    public var lastError: String?
    public var updatedAt = 0

    public init(resource: String) { self.resource = resource }

    enum CodingKeys: String, CodingKey {
        case resource, mode, position, watermark
        case passStartedAt = "pass_started_at"
        case sweepGeneration = "sweep_generation"
        case lastIncrementalAt = "last_incremental_at"
        case lastFullSweepAt = "last_full_sweep_at"
        case lastSuccessAt = "last_success_at"
        case lastError = "last_error"
        case updatedAt = "updated_at"
    }
}
