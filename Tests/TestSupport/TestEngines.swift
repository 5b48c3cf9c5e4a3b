import Foundation
import MirrorStore

/// The engines a store test runs on. PostgreSQL is `INTERCACHE_TEST_POSTGRES` (a `postgres://` URL; `.ci/run` starts a
/// server and sets it); each test gets a schema of its own, dropped after. Tests skip PostgreSQL only when
/// `INTERCACHE_TEST_SKIP_POSTGRES=1` says so, never because the variable is missing: then they fail and say what to set.
public enum TestEngine: String, Sendable, CaseIterable, CustomStringConvertible {
    case sqlite, postgres

    public var description: String { rawValue }

    static var environment: [String: String] { ProcessInfo.processInfo.environment }

    /// Whether PostgreSQL is skipped on purpose.
    public static var postgresSkipped: Bool { environment["INTERCACHE_TEST_SKIP_POSTGRES"] == "1" }

    /// The engines to run on: both, unless PostgreSQL is skipped on purpose.
    public static var all: [TestEngine] { postgresSkipped ? [.sqlite] : [.sqlite, .postgres] }

    /// A fresh PostgreSQL location with a schema of its own.
    public static func freshPostgres() throws -> DatabaseLocation {
        guard let url = environment["INTERCACHE_TEST_POSTGRES"], !url.isEmpty else {
            throw MissingPostgres()
        }
        guard case var .postgres(location) = try DatabaseLocation(url) else { throw MissingPostgres() }
        location.schema = "t_" + UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: "")
        return .postgres(location)
    }

    /// Opens a fresh mirror on this engine (`path` for SQLite), and a function that removes it.
    public func open(path: String) async throws -> (MirrorDatabase, @Sendable () async -> Void) {
        switch self {
        case .sqlite:
            return (try MirrorDatabase(path: path), { MirrorDatabase.removeFiles(at: path) })
        case .postgres:
            let store = try await MirrorDatabase.open(try Self.freshPostgres())
            return (store, { try? await store.dropSchema(); await store.close() })
        }
    }

    /// Runs `body` on a fresh mirror of this engine, removed after it whatever the outcome.
    public func withMirror<T>(_ body: (MirrorDatabase) async throws -> T) async throws -> T {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("mirror-\(UUID().uuidString).sqlite").path
        let (store, remove) = try await open(path: path)
        do {
            let result = try await body(store)
            await remove()
            return result
        } catch {
            await remove()
            throw error
        }
    }
}

/// Thrown when a test needs PostgreSQL and was not told where it is, nor to skip it.
public struct MissingPostgres: Error, CustomStringConvertible {
    public var description: String {
        "set INTERCACHE_TEST_POSTGRES=postgres://user:password@127.0.0.1:5432/database (.ci/run starts one), or INTERCACHE_TEST_SKIP_POSTGRES=1 to skip the PostgreSQL engine"
    }
}
