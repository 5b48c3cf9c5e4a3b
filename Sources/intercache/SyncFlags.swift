import ArgumentParser
import Foundation
import IntercomAPI
import Logging
import MirrorStore
import Sync

/// Flags shared by `sync` and `serve`; each falls back to its environment variable, then to a default.
struct SyncFlags: ParsableArguments {
    @Option(help: "The mirror: a SQLite file, or postgres://user:password@host:port/database?schema=intercache (env INTERCACHE_DATABASE; default ./intercache.sqlite).")
    var database: String?
    @Option(name: .customLong("intercom-url"), help: "Intercom API base URL (env INTERCOM_BASE_URL); wins over --region.")
    var intercomURL: String?
    @Option(help: "The workspace's region, which picks Intercom's host: us, eu or au (env INTERCOM_REGION; default us).")
    var region: String?
    @Option(help: "Intercom access token (env INTERCOM_ACCESS_TOKEN).")
    var token: String?
    @Option(help: "Comma list of resources to sync (default all): \(SyncResource.allCases.map(\.rawValue).joined(separator: ",")).")
    var resources = "all"
    @Option(help: "Share of Intercom's rate limit to spend, in (0, 1]; the rest stays for the workspace's other apps.")
    var rateLimitShare = 0.8
    @Option(help: "Conversation and sub-list fetches in flight at once.")
    var concurrency = 32
    @Option(help: "Fewest rows a sync transaction writes: listed pages are committed together until they hold this many.")
    var batchRows = SyncOptions().batchRows

    static let environment = ProcessInfo.processInfo.environment

    var databasePath: String { database ?? Self.environment["INTERCACHE_DATABASE"] ?? "./intercache.sqlite" }
    /// Where the mirror lives (a file path or a PostgreSQL URL).
    var location: DatabaseLocation { get throws { try DatabaseLocation(databasePath) } }
    /// Flags before environment variables, and a URL before a region: `--intercom-url`, `--region`, `INTERCOM_BASE_URL`,
    /// `INTERCOM_REGION`, then the US host.
    var baseURL: String {
        if let intercomURL { return intercomURL }
        if let region, let known = IntercomRegion(rawValue: region.lowercased()) { return known.baseURL }
        if let url = Self.environment["INTERCOM_BASE_URL"], !url.isEmpty { return url }
        if let region = Self.environment["INTERCOM_REGION"], let known = IntercomRegion(rawValue: region.lowercased()) { return known.baseURL }
        return IntercomRegion.us.baseURL
    }

    func validate() throws {
        guard rateLimitShare > 0, rateLimitShare <= 1 else { throw ValidationError("--rate-limit-share must be in (0, 1]") }
        guard concurrency >= 1, concurrency <= 256 else { throw ValidationError("--concurrency must be between 1 and 256") }
        guard batchRows >= 1, batchRows <= 100_000 else { throw ValidationError("--batch-rows must be between 1 and 100000") }
        _ = try SyncResource.parseList(resources)
        do { _ = try location } catch { throw ValidationError("--database (or INTERCACHE_DATABASE): \(error)") }
        for (name, value) in [("--region", region), ("INTERCOM_REGION", Self.environment["INTERCOM_REGION"])] {
            guard let value, !value.isEmpty, IntercomRegion(rawValue: value.lowercased()) == nil else { continue }
            throw ValidationError("\(name) must be one of \(IntercomRegion.allCases.map(\.rawValue).joined(separator: ", ")), got '\(value)'")
        }
        guard URL(string: baseURL)?.scheme?.hasPrefix("http") == true else {
            throw ValidationError("--intercom-url (or INTERCOM_BASE_URL) must be an http(s) URL, got '\(baseURL)'")
        }
    }

    /// Builds the client, store and options; fails with a message naming what to set.
    func assemble(logger: Logger, progress: SyncProgress) async throws -> (SyncEngine, SyncOptions) {
        guard let token = token ?? Self.environment["INTERCOM_ACCESS_TOKEN"], !token.isEmpty else {
            throw ValidationError("no Intercom token: set INTERCOM_ACCESS_TOKEN or pass --token")
        }
        var configuration = IntercomConfiguration(baseURL: baseURL, token: token)
        configuration.rateLimitShare = rateLimitShare
        let client = IntercomClient(configuration: configuration, logger: logger)
        let store: MirrorDatabase
        let location = try self.location
        do {
            store = try await MirrorDatabase.open(location, logger: logger)
        } catch {
            throw ValidationError("cannot open the mirror database at \(location): \(error)")
        }
        var options = SyncOptions()
        options.resources = try SyncResource.parseList(resources)
        options.concurrency = concurrency
        options.batchRows = batchRows
        return (SyncEngine(client: client, store: store, logger: logger, progress: progress), options)
    }
}

/// The message for a sync that could not run: a rejected token names the variable to fix and the host tried.
func syncFailureMessage(_ error: any Error) -> String {
    if let error = error as? SyncError, case .badCredentials = error { return error.description }
    return "sync failed: \(error)"
}
