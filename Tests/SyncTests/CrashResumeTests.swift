import Foundation
import GRDB
import IntercomAPI
import IntercomSimulator
import MirrorStore
import Sync
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

@Suite struct CrashResumeTests {
    @Test func killedWithSigkillAtRandomPointsTheSyncResumesToTheExactTruth() async throws {
        let binary = try intercacheBinary()
        var options = rigOptions(seed: 33)
        options.contacts = 1_500
        options.conversations = 600
        let token = options.token
        try await withRig(options) { rig in
            var generator = SystemRandomNumberGenerator()
            var kills = 0
            func launch() throws -> Process {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: binary)
                // Batches from one page per transaction to a whole resource in one: every size must resume exactly.
                let batchRows = [1, 300, 2_000, 100_000].randomElement(using: &generator)!
                process.arguments = ["sync", "--database", rig.databasePath, "--intercom-url", rig.base, "--concurrency", "4",
                                     "--batch-rows", String(batchRows)]
                process.environment = ["INTERCOM_ACCESS_TOKEN": token]
                process.standardError = FileHandle.nullDevice
                process.standardOutput = FileHandle.nullDevice
                try process.run()
                return process
            }
            // At least ten kills, each at a random moment of a pass; a pass that finishes first just starts the next.
            while kills < 10 {
                let process = try launch()
                try await Task.sleep(for: .milliseconds(Int.random(in: 150...1_500, using: &generator)))
                if process.isRunning {
                    kill(process.processIdentifier, SIGKILL)
                    kills += 1
                }
                process.waitUntilExit()
            }
            let final = try launch()
            final.waitUntilExit()
            #expect(final.terminationStatus == 0)
            let diff = try await differences(rig)
            #expect(diff.isEmpty, "\(diff)")
            let interrupted = try await rig.store.read { db in
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sync_runs WHERE status = 'interrupted'") ?? 0
            }
            #expect(interrupted > 0)
        }
    }
}
