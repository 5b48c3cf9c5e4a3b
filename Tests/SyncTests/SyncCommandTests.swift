import AsyncHTTPClient
import Foundation
import IntercomAPI
import IntercomSimulator
import MirrorStore
import NIOCore
import NIOHTTP1
import TestSupport
import Testing

/// Runs blocking work (a child's pipe, its exit) on a thread of its own. On the cooperative pool it would hold one of
/// its threads (two on this machine) while the in-process simulator the child talks to needs them: the child's calls
/// then stalled until they timed out.
func offThePool<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in Thread { continuation.resume(returning: body()) }.start() }
}

/// `intercache sync` and `serve` as processes against a live simulator: exit codes, the summary, and a rejected token.
@Suite struct SyncCommandTests {
    /// Runs the binary to its end; returns the exit status and standard error.
    func run(_ arguments: [String]) async throws -> (Int32, String) {
        let process = try intercacheProcess(arguments, unset: ["INTERCOM_ACCESS_TOKEN", "INTERCOM_BASE_URL", "INTERCOM_REGION",
                                                               "INTERCACHE_DATABASE"])
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        // Read before waiting: a full pipe would block the child.
        let data = await offThePool {
            let data = err.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return data
        }
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    func scratchDatabase() -> String { scratchMirrorPath("intercache-cli") }

    @Test(arguments: TestEngine.all)
    func unavailableResourcesExitZeroAndAreNamedInTheSummary(engine: TestEngine) async throws {
        var options = rigOptions(seed: 71)
        options.denials = ["articles": .removed, "contact_notes": .tokenUnauthorized]
        let token = options.token
        try await withRig(options) { rig in
            try await withScratchMirror(engine, prefix: "intercache-cli") { mirror in
                let (status, output) = try await run(["sync", "--intercom-url", rig.base, "--token", token, "--database", mirror.argument])
                #expect(status == 0, "\(output)")
                #expect(output.contains("Unavailable to this token"))
                #expect(output.contains("articles: 404 not_found"))
                #expect(output.contains("notes (of contacts): 401 token_unauthorized"))
                #expect(output.contains("region US"))
                #expect(!output.contains(token))
            }
        }
    }

    /// A resource whose endpoint stays down past the client's retries fails; the others sync, and the exit status is 1
    /// (not 0 as for unavailable resources, not 2 as for a rejected token).
    @Test(arguments: TestEngine.all)
    func aResourceThatKeepsFailingExitsOneAndTheRestSync(engine: TestEngine) async throws {
        var options = rigOptions(seed: 72)
        options.denials = ["teams": .down]
        let token = options.token
        try await withRig(options) { rig in
            try await withScratchMirror(engine, prefix: "intercache-cli") { mirror in
                let (status, output) = try await run(["sync", "--intercom-url", rig.base, "--token", token, "--database", mirror.argument,
                                                      "--resources", "admins,teams,tags"])
                #expect(status == 1, "\(output)")
                // The summary's rows: teams failed after the retries, admins (and tags) did not.
                let lines = output.split(separator: "\n")
                #expect(lines.contains { $0.hasPrefix("teams ") && $0.contains(" failed ") && $0.contains("FAILED: gave up after") }, "\(output)")
                #expect(lines.contains { $0.hasPrefix("admins ") && $0.contains(" ok ") }, "\(output)")
                let mirrored = try await mirror.reading { store in try await store.count(Catalog.table("admins")) }
                #expect(mirrored == rig.workspace.groundTruth()["admins"]?.intValue)
            }
        }
    }

    @Test(arguments: TestEngine.all)
    func aWrongTokenExitsTwoNamingTheVariableAndTheHostBeforeAnyWrite(engine: TestEngine) async throws {
        try await withRig(rigOptions(seed: 72)) { rig in
            try await withScratchMirror(engine, prefix: "intercache-cli") { mirror in
                let (status, output) = try await run(["sync", "--intercom-url", rig.base, "--token", "wrong-token", "--database", mirror.argument])
                #expect(status == 2)
                #expect(output.contains("INTERCOM_ACCESS_TOKEN"))
                #expect(output.contains(rig.base))
                #expect(!output.contains("wrong-token"))
                let runs = try await mirror.reading { store in
                    try await store.reading { sql in try sql.rows("SELECT COUNT(*) FROM sync_runs", [], limit: 1).first?.first?.integer }
                }
                #expect(runs == 0)
            }
        }
    }

    @Test func anUnknownRegionIsRefused() async throws {
        let (status, output) = try await run(["sync", "--region", "mars", "--token", "t", "--database", scratchDatabase()])
        #expect(status != 0)
        #expect(output.contains("--region must be one of us, eu, au"))
    }

    @Test(arguments: TestEngine.all)
    func serveWithARejectedTokenStaysUpAndSaysWhy(engine: TestEngine) async throws {
        try await withRig(rigOptions(seed: 73)) { rig in
            try await withScratchMirror(engine, prefix: "intercache-cli") { mirror in
                let process = try intercacheProcess(
                    ["serve", "--port", "0", "--database", mirror.argument, "--intercom-url", rig.base, "--token", "wrong-token",
                     "--sync-interval", "3600", "--full-sync-interval", "3600"],
                    unset: ["INTERCACHE_API_KEYS", "INTERCACHE_HOST", "INTERCACHE_PORT", "INTERCOM_CLIENT_SECRET"])
                let out = Pipe()
                process.standardOutput = out
                process.standardError = FileHandle.nullDevice
                try process.run()
                defer { process.terminate(); process.waitUntilExit() }
                let bytes: [UInt8] = await offThePool {
                    var bytes: [UInt8] = []
                    while true {
                        let byte = out.fileHandleForReading.readData(ofLength: 1)
                        if byte.isEmpty || byte.first == 10 { break }
                        bytes += byte
                    }
                    return bytes
                }
                let base = try #require(String(decoding: bytes, as: UTF8.self).split(separator: " ").last.map(String.init))
                // The first pass runs at start; wait (bounded) until it has tried /me.
                var ready: (UInt, JSON)?
                for _ in 0..<100 {
                    let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: base + "/readyz"), timeout: .seconds(5))
                    let body = try JSON.parse(try await response.body.collect(upTo: 1 << 20).readableBytesView)
                    ready = (response.status.code, body)
                    if body["error"]?["code"] == .string("intercom_token_rejected") { break }
                    try await Task.sleep(for: .milliseconds(100))
                }
                #expect(ready?.0 == 503)
                #expect(ready?.1["error"]?["code"] == .string("intercom_token_rejected"))
                let sync = try await HTTPClient.shared.execute(HTTPClientRequest(url: base + "/sync"), timeout: .seconds(5))
                let status = try JSON.parse(try await sync.body.collect(upTo: 1 << 22).readableBytesView)
                #expect(status["intercom"]?["credentials"] == .string("rejected"))
                #expect(status["intercom"]?["host"] == .string(rig.base))
                #expect(!status.text.contains("wrong-token"))
            }
        }
    }
}
