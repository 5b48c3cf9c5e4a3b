import ArgumentParser
import Logging
import ServiceLifecycle
import UnixSignals
import Sync

/// `intercache serve`: the long-running process; for now the sync scheduler (the read API joins it next).
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Keep the mirror fresh: sync on a schedule until stopped (SIGTERM stops cleanly).")

    @OptionGroup var flags: SyncFlags
    @Option(help: "Seconds between incremental sync passes.")
    var syncInterval = 60
    @Option(help: "Seconds between full sweeps, which also detect deletions that leave no trace (default 6 h).")
    var fullSyncInterval = 21_600

    func validate() throws {
        guard syncInterval >= 1 else { throw ValidationError("--sync-interval must be at least 1 second") }
        guard fullSyncInterval >= syncInterval else { throw ValidationError("--full-sync-interval must be at least --sync-interval") }
    }

    func run() async throws {
        let logger = Logger(label: "intercache.serve")
        let (engine, options) = try flags.assemble(logger: logger, progress: SyncProgress(output: nil))
        let scheduler = SyncScheduler(engine: engine, options: options, interval: .seconds(syncInterval),
                                      fullInterval: .seconds(fullSyncInterval), logger: logger)
        let group = ServiceGroup(configuration: .init(services: [scheduler], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        logger.info("serving", metadata: ["database": "\(flags.databasePath)", "intercom": "\(flags.baseURL)",
                                          "sync_interval": "\(syncInterval)", "full_sync_interval": "\(fullSyncInterval)"])
        try await group.run()
    }
}
