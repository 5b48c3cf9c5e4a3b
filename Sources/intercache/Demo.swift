import IntercomAPI
import ArgumentParser
import Hummingbird
import IntercomSimulator
import Foundation
import Logging
import MirrorStore
import Sync

/// `intercache demo`: the README's first command; runs everything on a simulated workspace, no Intercom account needed.
struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run Intercache against a built-in simulated Intercom workspace.")

    @Option(help: "Port for the simulator (0 picks a free one).")
    var simulatorPort = 0
    @Option(help: "SQLite mirror the demo syncs into.")
    var database = "intercache-demo.sqlite"
    @OptionGroup var workspaceFlags: SimulatorFlags

    func run() async throws {
        var logger = Logger(label: "intercache.demo")
        logger.logLevel = .warning
        let workspace = Workspace(options: workspaceFlags.options)
        let token = workspace.options.token
        let quiet = logger
        let app = buildSimulatorApplication(workspace: workspace, host: "127.0.0.1", port: simulatorPort, logger: logger) { port in
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

            Syncing the simulated workspace into \(database) (progress below)...
            """)
            Task { await syncOnce(base: base, token: token, logger: quiet) }
        }
        try await app.runService()
    }

    /// One full sync of the simulator into the demo database, with the same engine `intercache sync` runs.
    func syncOnce(base: String, token: String, logger: Logger) async {
        do {
            let client = IntercomClient(configuration: IntercomConfiguration(baseURL: base, token: token), logger: logger)
            let engine = SyncEngine(client: client, store: try MirrorDatabase(path: database), logger: logger,
                                    progress: SyncProgress(output: .standardError))
            let report = try await engine.run(SyncOptions())
            printError(SyncCommand().summary(report))
            printLine("""

            The mirror is in \(database). Try:
              sqlite3 \(database) "SELECT state, COUNT(*) FROM conversations GROUP BY state"
              sqlite3 \(database) "SELECT admin_assignee_id, COUNT(*) FROM conversations WHERE state = 'open' GROUP BY 1"
              sqlite3 \(database) "SELECT name, email FROM users LIMIT 5"
              sqlite3 \(database) "SELECT resource, mode, rows_written, intercom_total, truncated FROM sync_runs"
            Press Ctrl-C to stop.
            """)
        } catch {
            printError(syncFailureMessage(error))
        }
    }
}
