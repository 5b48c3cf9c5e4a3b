import IntercomAPI
import ArgumentParser
import Foundation
import Hummingbird
import IntercomSimulator
import Logging

/// `intercache simulate`: serve a seeded Intercom workspace over HTTP, traps included.
struct Simulate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve a seeded, simulated Intercom workspace (API 2.16) over HTTP.")

    @Option(help: "Address to bind.")
    var host = "127.0.0.1"
    @Option(help: "Port to bind (0 picks a free one; the first stdout line names it).")
    var port = 8_090
    @OptionGroup var workspaceFlags: SimulatorFlags

    func run() async throws {
        let logger = LazyMetadataLogHandler.logger("intercache.simulator")
        let started = ContinuousClock.now
        let workspace = workspaceFlags.workspace()
        let seededIn = ContinuousClock.now - started
        let host = self.host
        let app = buildSimulatorApplication(workspace: workspace, host: host, port: port, logger: logger) { port in
            printLine("listening on http://\(host):\(port)")
            printError("seeded \(workspace.options.contacts) contacts, \(workspace.options.companies) companies, "
                       + "\(workspace.options.conversations) conversations in \(seededIn.formatted(.units(allowed: [.seconds], fractionalPart: .show(length: 2))))")
        }
        try await app.runService()
    }
}

/// Writes one line to stdout and flushes, so a parent process reading the port sees it at once.
func printLine(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}

/// Writes one line to stderr.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
