import ArgumentParser
import Hummingbird
import Logging
import MirrorStore
import ReadAPI
import Serving
import ServiceLifecycle
import Sync

/// `intercache serve`: the read API and the sync scheduler in one ServiceGroup; SIGTERM stops the listener, lets the
/// sync's current transaction finish, and exits 0.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve the read API and keep the mirror fresh with scheduled syncs (SIGTERM stops cleanly).")

    @OptionGroup var flags: SyncFlags
    @OptionGroup var api: APIFlags
    @Option(help: "Seconds between incremental sync passes.")
    var syncInterval = 60
    @Option(help: "Seconds between full sweeps, which also detect deletions that leave no trace (default 6 h).")
    var fullSyncInterval = 21_600

    func validate() throws {
        guard syncInterval >= 1 else { throw ValidationError("--sync-interval must be at least 1 second") }
        guard fullSyncInterval >= syncInterval else { throw ValidationError("--full-sync-interval must be at least --sync-interval") }
    }

    func run() async throws {
        let logger = LazyMetadataLogHandler.logger("intercache.serve")
        let (engine, options) = try await flags.assemble(logger: logger, progress: SyncProgress(output: nil))
        let host = api.hostValue
        let app = ServeApplication(
            engine: engine, options: options, interval: .seconds(syncInterval), fullInterval: .seconds(fullSyncInterval),
            host: host, port: api.portValue, apiKeys: api.apiKeys, webhookSecret: SyncFlags.environment["INTERCOM_CLIENT_SECRET"],
            ioThreads: api.ioThreadCount, registry: ServeApplication.bootstrapMetrics(), logger: logger
        ).build { port in printLine("listening on http://\(host):\(port)") }
        logger.info("serving", metadata: ["database": "\((try? flags.location)?.description ?? "")", "intercom": "\(flags.baseURL)",
                                          "api_keys": "\(api.apiKeys.count)", "sync_interval": "\(syncInterval)",
                                          "full_sync_interval": "\(fullSyncInterval)"])
        do {
            try await app.runService()
        } catch {
            await engine.store.close()
            throw error
        }
        await engine.store.close()
    }
}

/// `intercache openapi`: prints the read API's OpenAPI document (the repository's `openapi.yaml` is its output).
struct OpenAPICommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "openapi", abstract: "Print the read API's OpenAPI document.")

    func run() {
        print(OpenAPIDocument.yaml, terminator: "")
    }
}
