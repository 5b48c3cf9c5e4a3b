import IntercomAPI
import ArgumentParser
import Hummingbird
import IntercomSimulator
import Foundation
import Logging
import NIOCore
import MirrorStore
import Prometheus
import ReadAPI
import Serving
import ServiceLifecycle
import Sync
import UnixSignals

/// `intercache demo`: the README's first command; runs everything on a simulated workspace, no Intercom account needed.
struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run Intercache against a built-in simulated Intercom workspace.")

    @Option(help: "Port for the simulator (0 picks a free one).")
    var simulatorPort = 0
    @Option(help: "SQLite mirror the demo syncs into.")
    var database = "intercache-demo.sqlite"
    @Option(help: "Port of the read API (0 picks a free one).")
    var port = 8080
    @OptionGroup var workspaceFlags: SimulatorFlags

    func run() async throws {
        var logger = LazyMetadataLogHandler.logger("intercache.demo")
        logger.logLevel = .warning
        let workspace = workspaceFlags.workspace()
        let token = workspace.options.token
        let registry = ServeApplication.bootstrapMetrics()
        let (ports, portFound) = AsyncStream.makeStream(of: Int.self)
        let simulator = buildSimulatorApplication(workspace: workspace, host: "127.0.0.1", port: simulatorPort, logger: logger) { port in
            let base = "http://127.0.0.1:\(port)"
            printLine("""
            listening on \(base)
            Intercache demo: a simulated Intercom workspace (\(workspace.options.contacts) contacts, \
            \(workspace.options.companies) companies, \(workspace.options.conversations) conversations).

            Try it (Intercom's own API shapes, version 2.16):
              curl -s -H 'Authorization: Bearer \(token)' '\(base)/contacts?per_page=2'
              curl -s -H 'Authorization: Bearer \(token)' '\(base)/admins'
              curl -s -H 'Authorization: Bearer \(token)' -H 'Content-Type: application/json' \\
                   -d '{"query":{"field":"role","operator":"=","value":"user"},"pagination":{"per_page":5}}' '\(base)/contacts/search'
              curl -s '\(base)/_simulator/truth'        # ground truth counts a mirror must match

            Syncing the simulated workspace into \(database) (progress below), then serving the read API...
            """)
            portFound.yield(port)
            portFound.finish()
        }
        // The simulator and the demo (its first sync, then what `serve` runs) are services of one group: Ctrl-C or
        // SIGTERM stops both gracefully, and a failed first sync ends the demo with its message and a non-zero exit.
        let demo = DemoService(ports: ports, token: token, workspace: workspace, database: database, port: port, registry: registry,
                               logger: logger)
        let group = ServiceGroup(configuration: .init(services: [simulator, demo], gracefulShutdownSignals: [.sigterm, .sigint],
                                                      logger: logger))
        try await group.run()
    }
}

/// The demo after the simulator is up: one full sync of it into the demo database, with the same engine
/// `intercache sync` runs; then the read API over it, with the scheduler keeping it fresh, as `intercache serve` runs them.
/// The simulator's webhooks go to the demo's own API (signed with a secret made up for this run), unless --webhook-url
/// sends them elsewhere.
struct DemoService: Service {
    let ports: AsyncStream<Int>
    let token: String
    let workspace: Workspace
    let database: String
    let port: Int
    let registry: PrometheusCollectorRegistry
    let logger: Logger

    func run() async throws {
        var iterator = ports.makeAsyncIterator()
        guard let simulatorPort = await iterator.next() else { return }
        do {
            try await syncThenServe(base: "http://127.0.0.1:\(simulatorPort)")
        } catch {
            printError(syncFailureMessage(error))
            throw error
        }
    }

    func syncThenServe(base: String) async throws {
        let client = IntercomClient(configuration: IntercomConfiguration(baseURL: base, token: token), logger: logger)
        let store = try MirrorDatabase(path: database)
        let engine = SyncEngine(client: client, store: store, logger: logger, progress: SyncProgress(output: .standardError))
        let report = try await engine.run(SyncOptions())
        printError(SyncCommand.summary(report))
        let secret = workspace.webhooks.settings.secret ?? String(UInt64.random(in: .min ... .max), radix: 16)
        let app = ServeApplication(
            engine: SyncEngine(client: client, store: store, logger: logger), options: SyncOptions(),
            interval: .seconds(60), fullInterval: .seconds(21_600), host: "127.0.0.1", port: port, webhookSecret: secret,
            ioThreads: max(1, System.coreCount / 2), registry: registry, logger: logger
        ).build { boundPort in
            let api = "http://127.0.0.1:\(boundPort)"
            if workspace.webhooks.settings.url == nil {
                workspace.webhooks.configure { $0.url = api + "/webhooks/intercom"; $0.secret = secret }
            }
            printLine("""

            The mirror is in \(database); the read API listens on \(api). Try:
              curl -s '\(api)/counts'
              curl -s '\(api)/conversations?state=open&sort=-updated_at&limit=3&fields=id,title,admin_assignee_id'
              curl -s '\(api)/conversations/counts?group_by=state,admin_assignee_id'
              curl -s '\(api)/users?limit=2&count=true'
              curl -s "\(api)/users/$(curl -s '\(api)/users?limit=1&fields=id' | sed -E 's/.*"id":"([^"]+)".*/\\1/')/conversations?fields=id,state"
              curl -s '\(api)/search?q=renewal&limit=3'
              curl -s '\(api)/contacts?format=csv&fields=id,name,email' | head
              curl -s '\(api)/sync'
            Change something in the simulator and see it in the mirror within a second (webhooks):
              curl -s -X PATCH -H 'Content-Type: application/json' -d '{"name":"Renamed"}' \\
                   "\(base)/_simulator/contacts/$(curl -s '\(api)/users?limit=1&fields=id' | sed -E 's/.*"id":"([^"]+)".*/\\1/')"
              curl -s '\(api)/users?limit=1&fields=id,name'
              sqlite3 \(database) "SELECT state, COUNT(*) FROM conversations GROUP BY state"
            Press Ctrl-C to stop.
            """)
        }
        try await app.run()
    }
}
