import ArgumentParser
import Foundation
import IntercomAPI
import Logging
import Sync

/// `intercache sync`: one pass, then exit, with progress on stderr and a summary at the end.
struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sync", abstract: "Mirror the Intercom workspace into SQLite once, then exit.")

    @OptionGroup var flags: SyncFlags
    @Flag(help: "Force a full sweep (complete id lists, deletions by absence) instead of an incremental pass.")
    var full = false

    func run() async throws {
        var logger = Logger(label: "intercache.sync")
        logger.logLevel = .warning
        let (engine, baseOptions) = try flags.assemble(logger: logger, progress: SyncProgress(output: .standardError))
        var options = baseOptions
        options.full = full
        let report: SyncReport
        do {
            report = try await engine.run(options)
        } catch {
            printError(syncFailureMessage(error))
            throw ExitCode(2)
        }
        printError(summary(report))
        if !report.succeeded { throw ExitCode(1) }
    }

    func summary(_ report: SyncReport) -> String {
        var lines = ["", "resource          mode         written  deleted  mirrored  intercom  truncated  seconds"]
        for r in report.resources {
            lines.append([
                r.resource.rawValue.padding(toLength: 17, withPad: " ", startingAt: 0),
                r.mode.padding(toLength: 11, withPad: " ", startingAt: 0),
                String(r.written).leftPad(8), String(r.deleted).leftPad(8), (r.mirrored.map(String.init) ?? "-").leftPad(9),
                (r.intercomTotal.map(String.init) ?? "-").leftPad(9), String(r.truncated).leftPad(10),
                String(format: "%8.1f", r.seconds),
            ].joined(separator: " ") + (r.error.map { "  FAILED: \($0)" } ?? ""))
        }
        lines.append(String(format: "%d rows in %.1f s (%.0f rows/s); %d API calls, %d answered 429, %d retries, %.1f s paced",
                            report.written, report.seconds, Double(report.written) / max(report.seconds, 0.001),
                            report.api.calls, report.api.rateLimited, report.api.retries, report.api.pacedSeconds))
        return lines.joined(separator: "\n")
    }
}

extension String {
    func leftPad(_ width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}
