import Foundation
import IntercomAPI
import IntercomSimulator
import MirrorStore
import Sync
import TestSupport
import Testing

/// The built `intercache` executable: next to the test bundle, or the release build CI makes first.
func intercacheBinary() throws -> String {
    var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for _ in 0..<4 {
        for name in ["intercache", "debug/intercache", "release/intercache"] {
            let candidate = directory.appendingPathComponent(name).path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        directory.deleteLastPathComponent()
    }
    throw RigError("intercache binary not found near \(CommandLine.arguments[0])")
}

/// A process of the `intercache` binary with `arguments`, not yet run. It inherits this process's environment without
/// the keys in `unset` (a developer's own settings must not reach the test) and with `set` added.
func intercacheProcess(_ arguments: [String], unset: [String], set: [String: String] = [:]) throws -> Process {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: try intercacheBinary())
    process.arguments = arguments
    var environment = ProcessInfo.processInfo.environment
    for key in unset { environment[key] = nil }
    environment.merge(set) { _, new in new }
    process.environment = environment
    return process
}

@Suite struct CrashResumeTests {
    /// On PostgreSQL the killed process's open transaction is rolled back by the server, not by SQLite's journal: both
    /// must leave a mirror the next process resumes from exactly.
    @Test(arguments: TestEngine.all)
    func killedWithSigkillAtRandomPointsTheSyncResumesToTheExactTruth(engine: TestEngine) async throws {
        let binary = try intercacheBinary()
        var options = rigOptions(seed: 33)
        options.contacts = 1_500
        options.conversations = 600
        let token = options.token
        try await withRig(options, engine: engine) { rig in
            let database = try rig.databaseArgument()
            var generator = SystemRandomNumberGenerator()
            var kills = 0
            // How each process ended, for the message below.
            var outcomes: [String] = []
            func launch(errors: Pipe? = nil) throws -> Process {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: binary)
                // Batches from one page per transaction to a whole resource in one: every size must resume exactly.
                let batchRows = [1, 300, 2_000, 100_000].randomElement(using: &generator)!
                process.arguments = ["sync", "--database", database, "--intercom-url", rig.base, "--concurrency", "4",
                                     "--batch-rows", String(batchRows)]
                process.environment = ["INTERCOM_ACCESS_TOKEN": token]
                process.standardError = errors ?? FileHandle.nullDevice
                process.standardOutput = FileHandle.nullDevice
                try process.run()
                return process
            }
            // At least ten kills, each at a random moment of a pass; a pass that finishes first just starts the next.
            while kills < 10 {
                let before = try await rig.int("SELECT MAX(id) FROM sync_runs") ?? 0
                let process = try launch()
                // The delay counts from the pass's first run row: a loaded machine (PostgreSQL's connection and schema
                // check beside the suite) can take longer than the whole delay to start, and then no kill lands in a pass.
                let started = ContinuousClock.now
                while process.isRunning, ContinuousClock.now - started < .seconds(30),
                      try await rig.int("SELECT MAX(id) FROM sync_runs") ?? 0 <= before {
                    try await Task.sleep(for: .milliseconds(20))
                }
                let delay = Int.random(in: 100...1_500, using: &generator)
                try await Task.sleep(for: .milliseconds(delay))
                let killed = process.isRunning
                if killed {
                    kill(process.processIdentifier, SIGKILL)
                    kills += 1
                }
                // Off the cooperative pool: a blocked thread there is one fewer for the in-process simulator the child calls.
                await offThePool { process.waitUntilExit() }
                outcomes.append(killed ? "killed after \(delay) ms" : "exited \(process.terminationStatus) within \(delay) ms")
            }
            let errors = Pipe()
            let final = try launch(errors: errors)
            let log = await offThePool {
                let data = errors.fileHandleForReading.readDataToEndOfFile()  // before waiting: a full pipe would block the child
                final.waitUntilExit()
                return String(decoding: data, as: UTF8.self)
            }
            #expect(final.terminationStatus == 0, "\(log)")
            let diff = try await differences(rig)
            #expect(diff.isEmpty, "\(diff)")
            let interrupted = try await rig.int("SELECT COUNT(*) FROM sync_runs WHERE status = 'interrupted'") ?? 0
            #expect(interrupted > 0, "no kill landed in a pass: \(outcomes)")
        }
    }
}
