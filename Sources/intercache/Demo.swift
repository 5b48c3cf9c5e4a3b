import ArgumentParser
import Hummingbird
import IntercomSimulator
import Logging

/// `intercache demo`: the README's first command; runs everything on a simulated workspace, no Intercom account needed.
struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run Intercache against a built-in simulated Intercom workspace.")

    @Option(help: "Port for the simulator (0 picks a free one).")
    var simulatorPort = 0
    @OptionGroup var workspaceFlags: SimulatorFlags

    func run() async throws {
        var logger = Logger(label: "intercache.demo")
        logger.logLevel = .warning
        let workspace = Workspace(options: workspaceFlags.options)
        let token = workspace.options.token
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
            Press Ctrl-C to stop.
            """)
        }
        try await app.runService()
    }
}
