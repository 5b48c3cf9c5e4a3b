import ArgumentParser
import Foundation
import IntercomAPI
import Logging
import MirrorStore
import Sync

/// `intercache sync`: one pass, then exit, with progress on stderr and a summary at the end.
struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sync", abstract: "Mirror the Intercom workspace into SQLite once, then exit.")

    @OptionGroup var flags: SyncFlags
    @Flag(help: "Force a full sweep (complete id lists, deletions by absence) instead of an incremental pass.")
    var full = false

    /// Exit codes, as the README documents them.
    enum Exit {
        /// Some resource failed (5xx or network past the retries, a broken page), or Intercom could not be reached.
        static let failed: Int32 = 1
        /// Intercom rejected the access token: nothing was written.
        static let badCredentials: Int32 = 2
    }

    func run() async throws {
        var logger = Logger(label: "intercache.sync")
        logger.logLevel = .warning
        let (engine, baseOptions) = try await flags.assemble(logger: logger, progress: SyncProgress(output: .standardError))
        var options = baseOptions
        options.full = full
        let report: SyncReport
        do {
            report = try await engine.run(options)
            await engine.store.close()
        } catch let error as SyncError {
            await engine.store.close()
            printError(syncFailureMessage(error))
            if case .badCredentials = error { throw ExitCode(Exit.badCredentials) }
            throw ExitCode(Exit.failed)
        } catch {
            await engine.store.close()
            printError(syncFailureMessage(error))
            throw ExitCode(Exit.failed)
        }
        printError(Self.summary(report))
        if !report.succeeded { throw ExitCode(Exit.failed) }
    }

    /// The table printed at the end of a pass, then what was unavailable to the token and why, and the drift stored.
    static func summary(_ report: SyncReport) -> String {
        var lines = ["", "resource          status       mode         written  deleted  mirrored  intercom  truncated  seconds"]
        for r in report.resources {
            lines.append([
                r.resource.rawValue.padding(toLength: 17, withPad: " ", startingAt: 0),
                r.status.padding(toLength: 12, withPad: " ", startingAt: 0),
                r.mode.padding(toLength: 11, withPad: " ", startingAt: 0),
                String(r.written).leftPad(8), String(r.deleted).leftPad(8), (r.mirrored.map(String.init) ?? "-").leftPad(9),
                (r.intercomTotal.map(String.init) ?? "-").leftPad(9), String(r.truncated).leftPad(10),
                String(format: "%8.1f", r.seconds),
            ].joined(separator: " ") + (r.error.map { "  FAILED: \($0)" } ?? ""))
        }
        let unavailable = report.resources.compactMap { r in r.unavailable.map { (r.resource.rawValue, $0) } }
            + report.resources.flatMap { r in r.unavailableScopes.map { ("\($0.scope.rawValue) (of \(r.resource.rawValue))", $0.problem) } }
        if !unavailable.isEmpty {
            lines.append("")
            lines.append("Unavailable to this token (rows already mirrored are kept; every pass tries again):")
            for (name, problem) in unavailable { lines.append("  \(name): \(problem)") }
        }
        for r in report.resources {
            for note in r.notes { lines.append("  \(r.resource.rawValue): \(note)") }
        }
        let drifted = report.resources.flatMap(\.drift)
        if !drifted.isEmpty {
            lines.append("")
            lines.append("Values of an unexpected type (stored as best they could be; raw keeps the original):")
            for field in drifted { lines.append("  \(field.name): \(field.count) (\(field.seen.joined(separator: ", ")))") }
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
