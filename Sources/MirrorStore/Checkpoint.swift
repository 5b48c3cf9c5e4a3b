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

/// The transitions of a checkpoint: a pass begins (or resumes), advances, and finishes; a sweep of a resource without
/// pages (lists, the company scroll, event summaries) begins and finishes the same way. Each is a plain value change,
/// saved by the caller in the transaction of the rows it covers.
extension Checkpoint {
    /// Starts a paged pass, or keeps the one of the same kind a killed process left (its position and generation).
    /// A new full sweep takes the next generation, so rows it does not stamp are known to be gone. Returns whether it
    /// resumed.
    @discardableResult
    public mutating func begin(sweeping: Bool, at now: Int) -> Bool {
        let kind: Mode = sweeping ? .sweep : .incremental
        if mode == kind && passStartedAt != nil { return true }
        mode = kind
        position = nil
        passStartedAt = now
        if sweeping { sweepGeneration += 1 }
        return false
    }

    /// The generation a sweep now starting or resuming stamps: an unfinished sweep's own, else the next.
    public var nextSweepGeneration: Int { mode == .sweep ? sweepGeneration : sweepGeneration + 1 }

    /// Starts (or resumes) a sweep that has no pages to resume from: it stamps `nextSweepGeneration`.
    public mutating func beginSweep(at now: Int) {
        sweepGeneration = nextSweepGeneration
        mode = .sweep
        passStartedAt = now
    }

    /// Starts a sweep of users' event summaries, or resumes the one under way after its last user.
    public mutating func beginUserSweep(at now: Int) {
        guard mode != .sweep else { return }
        mode = .sweep
        position = nil
        passStartedAt = now
    }

    /// Everything up to `position` is committed (with this checkpoint); nil starts the pass's pages over.
    public mutating func advance(to position: String?) { self.position = position }

    /// Ends a paged pass: everything changed before it started is in, less the search index's lag, so the next
    /// incremental pass re-reads what search may not have shown yet. The watermark never moves back.
    public mutating func finishPass(indexLagSeconds: Int, at now: Int) {
        let mark = (passStartedAt ?? now) - indexLagSeconds
        watermark = max(mark, watermark ?? 0)
        if mode == .sweep { lastFullSweepAt = now } else { lastIncrementalAt = now }
        mode = .idle
        position = nil
    }

    /// Ends a sweep; `continues` keeps it open (a list whose rows another step of the pass still stamps).
    public mutating func finishSweep(at now: Int, continues: Bool = false) {
        mode = continues ? .sweep : .idle
        position = nil
        if !continues { lastFullSweepAt = now }
    }

    /// Ends a full list refresh that stamped `generation`, which is then the current one.
    public mutating func finishRefresh(generation: Int, at now: Int, continues: Bool = false) {
        sweepGeneration = generation
        finishSweep(at: now, continues: continues)
    }

    /// Moves the watermark forward to `mark` (a feed read up to there).
    public mutating func raiseWatermark(to mark: Int) { watermark = max(mark, watermark ?? 0) }

    /// Records how the resource's pass ended.
    public mutating func record(error: String?, succeeded: Bool, at now: Int) {
        lastError = error
        if succeeded { lastSuccessAt = now }
    }
}

/// A checkpoint's row in `sync_state`, read and written through either engine.
extension Checkpoint {
    /// `sync_state`'s columns, in the order `load` reads and `store` writes them.
    static let columns = ["resource", "mode", "position", "watermark", "pass_started_at", "sweep_generation",
                          "last_incremental_at", "last_full_sweep_at", "last_success_at", "last_error", "updated_at"]

    /// The stored checkpoint of `resource`, or nil.
    static func load(_ resource: String, _ sql: any SQLRunner) throws -> Checkpoint? {
        let list = columns.map(Schema.quoted).joined(separator: ", ")
        guard let row = try sql.fetch("SELECT \(list) FROM sync_state WHERE resource = ?", resource).first else { return nil }
        var checkpoint = Checkpoint(resource: resource)
        checkpoint.mode = row[1].string.flatMap(Mode.init(rawValue:)) ?? .idle
        checkpoint.position = row[2].string
        checkpoint.watermark = row[3].integer
        checkpoint.passStartedAt = row[4].integer
        checkpoint.sweepGeneration = row[5].integer ?? 0
        checkpoint.lastIncrementalAt = row[6].integer
        checkpoint.lastFullSweepAt = row[7].integer
        checkpoint.lastSuccessAt = row[8].integer
        checkpoint.lastError = row[9].string
        checkpoint.updatedAt = row[10].integer ?? 0
        return checkpoint
    }

    /// Writes this checkpoint over the stored one.
    func store(_ sql: any SQLRunner) throws {
        try sql.run(sql.dialect.upsert("sync_state", columns: Self.columns, key: ["resource"]),
                    resource, mode.rawValue, position, watermark, passStartedAt, sweepGeneration, lastIncrementalAt,
                    lastFullSweepAt, lastSuccessAt, lastError, updatedAt)
    }
}
