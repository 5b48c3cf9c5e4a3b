import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import IntercomAPI
import IntercomSimulator
import Logging
import MirrorStore
import NIOCore
import ReadAPI
import Sync
import TestSupport
import Testing

/// A simulated workspace fully synced into a fresh mirror (a SQLite file or a PostgreSQL schema), with the simulator's
/// ground truth beside it.
struct SyncedMirror: Sendable {
    let store: MirrorDatabase
    let truth: JSON
    /// The engine the mirror is on.
    let engine: TestEngine
    /// Removes the mirror (its files, or its schema) once the last copy of this mirror is gone.
    let removal: MirrorRemoval

    /// Tests run beside the crash and sync suites on two cores: a generous budget keeps a slow moment from reading as a
    /// timeout. The budget itself has its own test.
    static let testConfiguration = ReadAPIConfiguration(queryBudget: .seconds(30))

    /// The read API's router over this mirror.
    func router(_ configuration: ReadAPIConfiguration = testConfiguration) -> Router<BasicRequestContext> {
        ReadAPI.buildRouter(store: store, configuration: configuration)
    }

    /// Runs requests against the API in-process, through the same builder `serve` uses.
    func withAPI<T: Sendable>(_ configuration: ReadAPIConfiguration = testConfiguration,
                              _ body: @Sendable (any TestClientProtocol) async throws -> T) async throws -> T {
        try await Application(router: router(configuration)).test(.router, body)
    }

    /// Runs requests against the API over a loopback socket, through the HTTP server `serve` uses.
    func withLiveAPI<T: Sendable>(_ configuration: ReadAPIConfiguration = testConfiguration,
                                  _ body: @Sendable (any TestClientProtocol) async throws -> T) async throws -> T {
        try await Application(router: router(configuration), server: ReadAPI.server(),
                              configuration: .init(address: .hostname("127.0.0.1", port: 0))).test(.live, body)
    }
}

/// The shared read-only mirrors, one per engine: syncing once each keeps the suite fast; tests that write make their
/// own with `freshMirror`.
actor MirrorCache {
    static let shared = MirrorCache()
    private var tasks: [TestEngine: Task<SyncedMirror, any Error>] = [:]

    func mirror(_ engine: TestEngine) async throws -> SyncedMirror {
        if let task = tasks[engine] { return try await task.value }
        let task = Task { try await freshMirror(engine: engine) }
        tasks[engine] = task
        return try await task.value
    }
}

/// The shared read-only mirror on `engine`.
func sharedMirror(_ engine: TestEngine = .sqlite) async throws -> SyncedMirror { try await MirrorCache.shared.mirror(engine) }

/// Seeds a simulator on a loopback port, runs one full sync into a new mirror on `engine`, and returns the mirror and
/// the truth. `prepare` may change the workspace before the sync (names the page must escape).
func freshMirror(engine: TestEngine = .sqlite, contacts: Int = 400, conversations: Int = 160, seed: UInt64 = 11,
                 companies: Int = 40, prepare: @Sendable (Workspace) -> Void = { _ in }) async throws -> SyncedMirror {
    var options = SimulatorOptions()
    options.seed = seed
    options.contacts = contacts
    options.companies = companies
    options.conversations = conversations
    options.partsPerConversation = 4
    let path = scratchMirrorPath("intercache-read")
    let (store, remove) = try await engine.open(path: path)
    let removal = MirrorRemoval(engine: engine, path: path, remove)
    let quiet = testLogger("read-api-test"), token = options.token
    let workspace = try await withLiveSimulator(options) { simulator in
        prepare(simulator.workspace)
        let intercom = IntercomClient(configuration: IntercomConfiguration(baseURL: simulator.base, token: token), logger: quiet)
        var sync = SyncOptions()
        sync.full = true
        let report = try await SyncEngine(client: intercom, store: store, logger: quiet).run(sync)
        #expect(report.succeeded, "\(engine): \(report.resources.compactMap(\.error))")
        return simulator.workspace
    }
    return SyncedMirror(store: store, truth: workspace.groundTruth(), engine: engine, removal: removal)
}

/// Owns a test mirror and removes it when released: a SQLite mirror's files at once, a PostgreSQL mirror's schema (and
/// its connections) in a task of its own, as dropping it is asynchronous.
final class MirrorRemoval: Sendable {
    let engine: TestEngine
    let path: String
    let remove: @Sendable () async -> Void

    init(engine: TestEngine, path: String, _ remove: @escaping @Sendable () async -> Void) {
        self.engine = engine
        self.path = path
        self.remove = remove
    }

    deinit {
        switch engine {
        case .sqlite: MirrorDatabase.removeFiles(at: path)
        case .postgres: Task { [remove] in await remove() }
        }
    }
}

// MARK: - Reading the mirror directly

extension SyncedMirror {
    /// The rows of `sql` on the mirror's engine, `values` bound to its `?` placeholders (engine-neutral SQL only).
    func rows(_ sql: String, _ values: (any DatabaseValueConvertible)?...) async throws -> [[StoreValue]] {
        let bound = values.map { $0?.databaseValue ?? .null }
        return try await store.reading { runner in try runner.rows(sql, bound, limit: .max) }
    }

    /// The first column of each row of `sql`.
    func column(_ sql: String, _ values: (any DatabaseValueConvertible)?...) async throws -> [StoreValue] {
        let bound = values.map { $0?.databaseValue ?? .null }
        return try await store.reading { runner in try runner.rows(sql, bound, limit: .max).map { $0.first ?? .null } }
    }

    /// The first column of every row of `sql` as text.
    func strings(_ sql: String, _ values: (any DatabaseValueConvertible)?...) async throws -> [String] {
        let bound = values.map { $0?.databaseValue ?? .null }
        return try await store.reading { runner in try runner.rows(sql, bound, limit: .max).compactMap { $0.first?.string } }
    }

    /// The first column of the first row of `sql` as text, or nil.
    func string(_ sql: String, _ values: (any DatabaseValueConvertible)?...) async throws -> String? {
        let bound = values.map { $0?.databaseValue ?? .null }
        return try await store.reading { runner in try runner.rows(sql, bound, limit: 1).first?.first?.string }
    }

    /// The first column of the first row of `sql` as an integer (a count), or nil.
    func int(_ sql: String, _ values: (any DatabaseValueConvertible)?...) async throws -> Int? {
        let bound = values.map { $0?.databaseValue ?? .null }
        return try await store.reading { runner in try runner.rows(sql, bound, limit: 1).first?.first?.integer }
    }

    /// Runs `sql` in one write of the mirror (which advances its generation, as a sync write does).
    func execute(_ sql: String, _ values: (any DatabaseValueConvertible)?...) async throws {
        let bound = values.map { $0?.databaseValue ?? .null }
        try await store.write { tx in try tx.sql.execute(sql, bound) }
    }
}

// MARK: - Request helpers

extension TestClientProtocol {
    /// GET `uri` and parse the JSON body; records the status for the caller to check.
    func getJSON(_ uri: String, headers: HTTPFields = [:]) async throws -> (status: HTTPResponse.Status, body: JSON, headers: HTTPFields) {
        try await execute(uri: uri, method: .get, headers: headers) { response in
            let body = response.body.readableBytes == 0 ? JSON.null : try JSON.parse(response.body.readableBytesView)
            return (response.status, body, response.headers)
        }
    }

    /// GET `uri` as text.
    func getText(_ uri: String, headers: HTTPFields = [:]) async throws -> (status: HTTPResponse.Status, text: String, headers: HTTPFields) {
        try await execute(uri: uri, method: .get, headers: headers) { response in
            (response.status, String(buffer: response.body), response.headers)
        }
    }

    /// Every item of a list, following `next_cursor` page by page.
    func walk(_ path: String, limit: Int = 97) async throws -> [JSON] {
        var items: [JSON] = []
        var cursor: String?
        repeat {
            let separator = path.contains("?") ? "&" : "?"
            let uri = path + separator + "limit=\(limit)" + (cursor.map { "&cursor=\($0)" } ?? "")
            let (status, body, _) = try await getJSON(uri)
            #expect(status == .ok, "\(uri): \(body.text)")
            guard status == .ok else { return items }
            items += body["data"]?.arrayValue ?? []
            cursor = body["next_cursor"]?.stringValue
        } while cursor != nil
        return items
    }
}

/// The error code of an error body.
func errorCode(_ body: JSON) -> String? { body["error"]?["code"]?.stringValue }

/// Ids of a list of items.
func ids(_ items: [JSON]) -> [String] { items.compactMap { $0["id"]?.stringValue } }
