import Foundation
import Synchronization
import IntercomAPI
import Logging
import MirrorStore

/// Runs sync passes: each resource pages through Intercom and commits every page with its checkpoint.
public final class SyncEngine: Sendable {
    let client: IntercomClient
    public let store: MirrorDatabase
    let logger: Logger
    let progress: SyncProgress
    /// Whether Intercom accepts the token, and whose it is: `serve`'s read API reports it.
    public let health: SyncHealth

    public init(client: IntercomClient, store: MirrorDatabase, logger: Logger, progress: SyncProgress = SyncProgress(output: nil)) {
        self.client = client
        self.store = store
        self.logger = logger
        self.progress = progress
        self.health = SyncHealth(host: client.configuration.baseURL)
    }

    static func now() -> Int { Int(Date().timeIntervalSince1970) }

    /// One pass over `options.resources`; resources run concurrently and end independently (`ok`, `unavailable`,
    /// `failed`), except a rejected token, which stops everything: before any write when `/me` rejects it.
    public func run(_ options: SyncOptions) async throws -> SyncReport {
        let started = Date()
        let callsBefore = client.statistics
        let workspace = try await readWorkspace()
        let timezone = workspace?.timezone.flatMap(TimeZone.init(identifier:)) ?? TimeZone(identifier: "UTC")!
        let startedAt = Self.now()
        try await store.write { tx in try tx.closeInterruptedRuns(at: startedAt) }
        let wanted = Set(options.resources)
        let context = PassContext(options: options, timezone: timezone, access: PassAccess(logger: logger),
                                  inlineEvents: wanted.contains(.eventSummaries) && wanted.contains(.contacts) ? InlineEvents() : nil)
        var reports: [ResourceReport] = []
        do {
            try await withThrowingTaskGroup(of: [ResourceReport].self) { group in
                for resource in SyncResource.allCases where wanted.contains(resource) && resource != .eventSummaries {
                    group.addTask {
                        var chain = [try await self.runResource(resource, context)]
                        // Event summaries are fetched per user, so they follow the contacts they belong to.
                        if resource == .contacts, wanted.contains(.eventSummaries) {
                            chain.append(try await self.runResource(.eventSummaries, context))
                        }
                        return chain
                    }
                }
                if wanted.contains(.eventSummaries), !wanted.contains(.contacts) {
                    group.addTask { [try await self.runResource(.eventSummaries, context)] }
                }
                for try await chain in group { reports += chain }
            }
        } catch let IntercomError.unauthorized(message) {
            // The token was revoked mid-pass: what committed stays, and the pass stops as it would have at `/me`.
            health.record(workspace: nil, credentialProblem: message, at: Self.now())
            throw SyncError.badCredentials(host: client.configuration.baseURL, message: message)
        }
        var report = SyncReport()
        report.workspace = workspace
        report.resources = reports.sorted { $0.resource < $1.resource }
        var api = client.statistics
        api.calls -= callsBefore.calls
        api.rateLimited -= callsBefore.rateLimited
        api.retries -= callsBefore.retries
        api.transportFailures -= callsBefore.transportFailures
        api.pacedSeconds -= callsBefore.pacedSeconds
        report.api = api
        report.seconds = Date().timeIntervalSince(started)
        return report
    }

    /// `GET /me`, once per pass: the workspace's timezone, region and the token's admin, logged (never the token). A
    /// rejected token stops the pass before any write; a token refused `/me` alone (401 `token_unauthorized`, 403, 404)
    /// still syncs what it may, with days in UTC.
    func readWorkspace() async throws -> IntercomWorkspace? {
        do {
            let workspace = IntercomWorkspace(me: try await client.send(IntercomRequest(.get, "/me")))
            health.record(workspace: workspace, credentialProblem: nil, at: Self.now())
            logger.info("intercom workspace", metadata: [
                "app_id": "\(workspace.appID ?? "?")", "name": "\(workspace.name ?? "?")", "region": "\(workspace.region ?? "?")",
                "admin": "\(workspace.adminEmail ?? workspace.adminID ?? "?")", "host": "\(client.configuration.baseURL)",
            ])
            progress.note(workspace.summary + " at " + client.configuration.baseURL)
            return workspace
        } catch let IntercomError.unauthorized(message) {
            health.record(workspace: nil, credentialProblem: message, at: Self.now())
            throw SyncError.badCredentials(host: client.configuration.baseURL, message: message)
        } catch let error as IntercomError where error.accessProblem != nil {
            health.record(workspace: nil, credentialProblem: nil, at: Self.now())
            logger.warning("GET /me refused; syncing without the workspace's timezone (days in UTC)",
                           metadata: ["reason": "\(error.accessProblem!)"])
            return nil
        }
    }

    /// Runs one resource with its `sync_runs` row. A refusal (401 `token_unauthorized`, 403, or 404 on its listing)
    /// makes it `unavailable` and keeps its rows; other errors make it `failed`; a rejected token is rethrown.
    func runResource(_ resource: SyncResource, _ context: PassContext) async throws -> ResourceReport {
        let started = Date()
        let checkpoint = try await store.checkpoint(resource.rawValue)
        let full = context.options.full || checkpoint.lastFullSweepAt == nil || checkpoint.mode == .sweep
        var report = ResourceReport(resource: resource)
        report.mode = full ? "full" : "incremental"
        let mode = report.mode
        let runID = try await store.write { tx in try tx.openRun(resource: resource.rawValue, mode: mode, at: Self.now()) }
        progress.begin(resource, mode: report.mode)
        let callsBefore = client.statistics.calls
        do {
            try await syncResource(resource, full: full, checkpoint: checkpoint, context: context, report: &report)
        } catch let error as IntercomError {
            if case .unauthorized = error { throw error }
            if let problem = error.accessProblem { report.unavailable = problem } else { report.error = error.description }
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            report.error = "\(error)"
        }
        let scopes = AccessScope.allCases.filter { $0.parent == resource && $0 != .eventSummaries }
            .map { ($0, context.access.outcome($0)) }.filter { $0.1.touched }
        for (scope, outcome) in scopes {
            guard let problem = outcome.problem else { continue }
            report.unavailableScopes.append((scope, problem))
            if scope == .conversationsDeleted {
                report.notes.append("deletions are found by full sweeps only: \(problem)")
            }
        }
        report.drift = store.drift.take(tables: resource.tables)
        for field in report.drift {
            logger.warning("values of an unexpected type stored as best they could be (raw keeps them)", metadata: [
                "resource": "\(resource.rawValue)", "field": "\(field.name)", "values": "\(field.count)",
                "seen": "\(field.seen.joined(separator: ","))",
            ])
        }
        report.seconds = Date().timeIntervalSince(started)
        let finished = report
        let calls = client.statistics.calls - callsBefore
        try await store.write { tx in
            var saved = try tx.checkpoint(resource.rawValue)
            saved.record(error: finished.error ?? finished.unavailable.map { "unavailable: \($0)" }, succeeded: finished.status == "ok",
                         at: Self.now())
            try tx.save(saved)
            for (scope, outcome) in scopes {
                try tx.recordAccess(scope: scope.rawValue, resource: resource.rawValue, problem: outcome.problem, at: Self.now())
            }
            try tx.closeRun(runID, status: finished.error != nil ? "failed" : finished.unavailable != nil ? "unavailable" : "succeeded",
                            written: finished.written, deleted: finished.deleted, mirrored: finished.mirrored,
                            intercomTotal: finished.intercomTotal, truncated: finished.truncated, apiCalls: calls,
                            error: finished.error, problem: finished.unavailable, drift: finished.drift, notes: finished.notes,
                            at: Self.now())
        }
        progress.finish(finished)
        if let error = finished.error {
            logger.error("resource sync failed", metadata: ["resource": "\(resource.rawValue)", "error": "\(error)"])
        }
        if let problem = finished.unavailable {
            logger.warning("resource unavailable to this token; its mirrored rows are kept", metadata: [
                "resource": "\(resource.rawValue)", "status": "\(problem.status)", "code": "\(problem.code)",
                "message": "\(problem.message)", "endpoint": "\(problem.endpoint)",
            ])
        }
        return finished
    }

    func syncResource(_ resource: SyncResource, full: Bool, checkpoint: Checkpoint, context: PassContext,
                      report: inout ResourceReport) async throws {
        switch resource {
        case .admins: try await syncList(.admins, full: full, report: &report)
        case .teams: try await syncList(.teams, full: full, report: &report)
        case .tags: try await syncList(.tags, full: full, report: &report)
        case .segments:
            try await syncList(.segments, full: full, sweepContinues: full, report: &report)
            if full { try await syncSegmentMembers(report: &report, context: context) }
        case .dataAttributes: try await syncList(.dataAttributes, full: full, report: &report)
        case .articles: try await syncList(.articles, full: full, report: &report)
        case .companies: try await syncCompanies(context: context, report: &report)
        case .contacts: try await syncContacts(full: full, checkpoint: checkpoint, context: context, report: &report)
        case .conversations: try await syncConversations(full: full, checkpoint: checkpoint, context: context, report: &report)
        case .eventSummaries: try await syncEventSummaries(full: full, checkpoint: checkpoint, context: context, report: &report)
        case .ticketTypes: try await syncList(.ticketTypes, full: full, report: &report)
        case .ticketStates: try await syncList(.ticketStates, full: full, report: &report)
        case .tickets: try await syncTickets(full: full, checkpoint: checkpoint, context: context, report: &report)
        }
    }
}

/// What every resource of one pass shares.
struct PassContext: Sendable {
    let options: SyncOptions
    /// The workspace timezone, from `GET /me`: contact search on dates is day-granular in it.
    let timezone: TimeZone
    /// What this pass's sub-resource and feed calls answered.
    let access: PassAccess
    /// Set when this pass wants both contacts and event summaries: a full contact sweep then fetches each page's
    /// event summaries with the page and commits them in its transaction, and the events pass has nothing left to do.
    var inlineEvents: InlineEvents?
}

/// The event summaries a full contact sweep wrote along the way, and whether that sweep completed.
final class InlineEvents: Sendable {
    private let state = Mutex<(written: Int, complete: Bool)>((0, false))

    func add(_ rows: Int) { state.withLock { $0.written += rows } }
    func markComplete() { state.withLock { $0.complete = true } }
    /// Rows written, if the sweep completed; nil when the events pass must run on its own.
    var completed: Int? { state.withLock { $0.complete ? $0.written : nil } }
}

/// Runs `body` over `items` with at most `limit` in flight, keeping the input order.
func concurrentMap<T: Sendable, R: Sendable>(_ items: [T], limit: Int,
                                             _ body: @escaping @Sendable (T) async throws -> R) async throws -> [R] {
    try await withThrowingTaskGroup(of: (Int, R).self) { group in
        var results = [R?](repeating: nil, count: items.count)
        var next = 0
        for _ in 0..<min(limit, items.count) {
            let index = next
            group.addTask { (index, try await body(items[index])) }
            next += 1
        }
        while let (index, result) = try await group.next() {
            results[index] = result
            if next < items.count {
                let index = next
                group.addTask { (index, try await body(items[index])) }
                next += 1
            }
        }
        return results.map { $0! }
    }
}
