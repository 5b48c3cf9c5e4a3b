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

/// A simulated workspace fully synced into a fresh mirror file, with the simulator's ground truth beside it.
struct SyncedMirror: Sendable {
    let store: MirrorDatabase
    let truth: JSON
    let path: String
    /// Deletes the mirror's files once the last copy of this mirror is gone.
    let files: TemporaryMirrorFiles

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

/// The shared read-only mirror: syncing once keeps the suite fast; tests that write make their own with `freshMirror`.
actor MirrorCache {
    static let shared = MirrorCache()
    private var task: Task<SyncedMirror, any Error>?

    func mirror() async throws -> SyncedMirror {
        if let task { return try await task.value }
        let task = Task { try await freshMirror() }
        self.task = task
        return try await task.value
    }
}

func sharedMirror() async throws -> SyncedMirror { try await MirrorCache.shared.mirror() }

/// Seeds a simulator on a loopback port, runs one full sync into a new file, and returns the mirror and the truth.
/// `prepare` may change the workspace before the sync (names the page must escape).
func freshMirror(contacts: Int = 400, conversations: Int = 160, seed: UInt64 = 11, companies: Int = 40,
                 prepare: @Sendable (Workspace) -> Void = { _ in }) async throws -> SyncedMirror {
    var options = SimulatorOptions()
    options.seed = seed
    options.contacts = contacts
    options.companies = companies
    options.conversations = conversations
    options.partsPerConversation = 4
    let path = scratchMirrorPath("intercache-read")
    let store = try MirrorDatabase(path: path)
    let quiet = testLogger("read-api-test"), token = options.token
    let workspace = try await withLiveSimulator(options) { simulator in
        prepare(simulator.workspace)
        let intercom = IntercomClient(configuration: IntercomConfiguration(baseURL: simulator.base, token: token), logger: quiet)
        var sync = SyncOptions()
        sync.full = true
        let report = try await SyncEngine(client: intercom, store: store, logger: quiet).run(sync)
        #expect(report.succeeded)
        return simulator.workspace
    }
    return SyncedMirror(store: store, truth: workspace.groundTruth(), path: path, files: TemporaryMirrorFiles(path))
}

/// Owns a test mirror's files and deletes them when released.
final class TemporaryMirrorFiles: Sendable {
    let path: String
    init(_ path: String) { self.path = path }
    deinit { MirrorDatabase.removeFiles(at: path) }
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
