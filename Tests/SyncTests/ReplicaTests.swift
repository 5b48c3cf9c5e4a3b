import AsyncHTTPClient
import Foundation
import IntercomAPI
import IntercomSimulator
import MirrorStore
import NIOCore
import NIOHTTP1
import TestSupport
import Testing

/// One `intercache serve` process, its port read from the line it prints when listening.
final class ServeProcess: Sendable {
    let process: Process
    let port: Int
    var base: String { "http://127.0.0.1:\(port)" }

    /// `log` takes the process's standard error (its log), which is otherwise dropped.
    init(binary: String, database: String, intercom: String, replica: String, token: String, secret: String, log: String? = nil) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["serve", "--database", database, "--intercom-url", intercom, "--port", "0",
                             "--sync-interval", "600", "--full-sync-interval", "3600", "--concurrency", "4",
                             // Small batches: many commits, so the kill lands between checkpoints and the resume has one to start from.
                             "--batch-rows", "150"]
        process.environment = ["INTERCOM_ACCESS_TOKEN": token, "INTERCOM_CLIENT_SECRET": secret, "INTERCACHE_REPLICA_ID": replica,
                               "SWIFT_BACKTRACE": "enable=no"]
        let output = Pipe()
        process.standardOutput = output
        if let log, FileManager.default.createFile(atPath: log, contents: nil), let handle = FileHandle(forWritingAtPath: log) {
            process.standardError = handle
        } else {
            process.standardError = FileHandle.nullDevice
        }
        try process.run()
        var seen = ""
        while !seen.contains("\n") || !seen.contains("listening on") {
            let chunk = output.fileHandleForReading.availableData
            guard !chunk.isEmpty else { throw RigError("serve exited before listening") }
            seen += String(decoding: chunk, as: UTF8.self)
        }
        guard let line = seen.split(separator: "\n").first(where: { $0.contains("listening on") }),
              let port = line.split(separator: ":").last.flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) })
        else { throw RigError("no port in: \(seen)") }
        self.process = process
        self.port = port
    }

    /// GET `path`: status, ETag and body.
    func get(_ path: String) async throws -> (status: UInt, etag: String?, body: String) {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: base + path), timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 24)
        return (response.status.code, response.headers.first(name: "etag"), String(buffer: body))
    }

    /// `/sync`'s `replica.role`.
    func role() async -> String? {
        guard let answer = try? await get("/sync"), let json = try? JSON.parse(Array(answer.body.utf8)) else { return nil }
        return json["replica"]?["role"]?.stringValue
    }

    func kill() {
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }
}

/// Replicas sharing one PostgreSQL mirror, as separate `serve` processes: one leads, a SIGKILLed leader is replaced
/// and its sync resumed from the checkpoint, and a webhook sent to a follower is applied once and readable everywhere.
@Suite(.serialized, .enabled(if: !TestEngine.postgresSkipped, "INTERCACHE_TEST_SKIP_POSTGRES=1"))
struct ReplicaTests {
    @Test func theLeaderKilledMidSyncIsReplacedAndBothReplicasServeTheTruthAndAWebhookToTheFollower() async throws {
        let binary = try intercacheBinary()
        var options = rigOptions(seed: 61)
        options.contacts = 2_500
        options.conversations = 900
        let secret = "replica-client-secret", token = options.token
        let location = try TestEngine.freshPostgres()
        guard case let .postgres(postgres) = location else { return }
        let store = try await MirrorDatabase.open(location)
        try await withLiveSimulator(options) { simulator in
            func launch(_ name: String) throws -> ServeProcess {
                try ServeProcess(binary: binary, database: postgres.url, intercom: simulator.base, replica: name, token: token, secret: secret)
            }
            let a = try launch("replica-a")
            let b = try launch("replica-b")
            var started = [a, b]
            defer { for replica in started { replica.stop() } }
            // Exactly one leads.
            try await eventually("one replica leads", seconds: 15) {
                let roles = [await a.role(), await b.role()]
                return roles.contains("leader") && roles.contains("follower")
            }
            let aLed = await a.role() == "leader"
            let (leader, follower) = aLed ? (a, b) : (b, a)
            // SIGKILL the leader in the middle of its first full sync.
            try await eventually("the full sync is under way", seconds: 150) {
                try await store.count(Catalog.table("contacts")) > 300
            }
            let conversationsDone = try await store.checkpoint("conversations").lastSuccessAt
            #expect(conversationsDone == nil, "the sync finished before the kill; the workspace is too small")
            leader.kill()
            let killedAt = ContinuousClock.now
            try await eventually("the follower takes over within 30 s", seconds: 30) { await follower.role() == "leader" }
            #expect(ContinuousClock.now - killedAt < .seconds(30))
            // It finishes the sync, and the mirror equals the simulator's truth.
            try await eventually("the mirror equals the truth", seconds: 180) {
                let mirror = try await mirrorSummary(store), truth = truthSummary(simulator.workspace)
                return Set(mirror.keys).union(truth.keys).allSatisfy { mirror[$0] ?? 0 == truth[$0] ?? 0 }
            }
            let interrupted = try await store.reading { sql in
                try sql.rows("SELECT COUNT(*) FROM sync_runs WHERE status = 'interrupted'", [], limit: 1).first?.first?.integer ?? 0
            }
            #expect(interrupted > 0, "the new leader closed the dead leader's runs and resumed from the checkpoint")
            // A replica started again follows; both answer the same reads, with the same ETags.
            let restarted = try launch(aLed ? "replica-a" : "replica-b")
            started.append(restarted)
            try await eventually("the restarted replica follows", seconds: 15) { await restarted.role() == "follower" }
            let contact = try #require(try await store.reading { sql in
                try sql.rows("SELECT id FROM contacts WHERE role = 'user' ORDER BY id LIMIT 1", [], limit: 1).first?.first?.string
            })
            // The leader's pass may still be writing its last resources: compare once the generation holds still.
            var generation = -1
            for _ in 0..<60 {
                let now = try await MirrorReader(store: store).generation().generation
                if now == generation { break }
                generation = now
                try await Task.sleep(for: .seconds(2))
            }
            for path in ["/contacts?limit=5", "/contacts/\(contact)", "/users/\(contact)/conversations", "/conversations/counts?group_by=state",
                         "/counts", "/admins/metrics", "/tickets?limit=3"] {
                // The leader may still write (a pass's last resources): compare a pair read within one generation.
                var compared = false
                for _ in 0..<20 where !compared {
                    let before = try await MirrorReader(store: store).generation().generation
                    let one = try await follower.get(path), two = try await restarted.get(path)
                    guard try await MirrorReader(store: store).generation().generation == before else { continue }
                    compared = true
                    #expect(one.status == 200 && two.status == 200, "\(path)")
                    #expect(one.body == two.body, "\(path) differs between replicas")
                    #expect(one.etag != nil && one.etag == two.etag, "\(path): ETags \(one.etag ?? "none") and \(two.etag ?? "none")")
                }
                #expect(compared, "\(path): the generation moved under every one of 20 pairs of reads")
            }
            // A webhook delivered to the follower (the restarted replica) is readable through both within 2 s.
            simulator.workspace.webhooks.configure { hooks in
                hooks.url = "\(restarted.base)/webhooks/intercom"
                hooks.secret = secret
            }
            var request = HTTPClientRequest(url: simulator.base + "/_simulator/contacts/\(contact)")
            request.method = .PATCH
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: #"{"name":"Renamed Through A Follower"}"#))
            let sent = ContinuousClock.now
            _ = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            try await eventually("the webhook's change is readable through both replicas", seconds: 10) {
                let one = try await follower.get("/contacts/\(contact)"), two = try await restarted.get("/contacts/\(contact)")
                return one.body.contains("Renamed Through A Follower") && two.body.contains("Renamed Through A Follower")
            }
            let elapsed = ContinuousClock.now - sent
            #expect(elapsed < .seconds(2), "visible after \(elapsed)")
            let applied = try await store.reading { sql in
                try sql.rows("SELECT COUNT(*) FROM webhook_deliveries", [], limit: 1).first?.first?.integer ?? 0
            }
            let queued = try await store.reading { sql in
                try sql.rows("SELECT COUNT(*) FROM webhook_queue", [], limit: 1).first?.first?.integer ?? 0
            }
            #expect(applied >= 1 && queued == 0, "applied \(applied), still queued \(queued)")
        }
        try? await store.dropSchema()
        await store.close()
    }

    /// Leadership belongs to one mirror: mirrors in two schemas of one database each have a leader, and each still has
    /// only one. (The advisory lock's key was once one constant for the whole database, so the leader of one mirror kept
    /// every replica of another from syncing: in the full suite a `serve` of one test's schema never ran its first pass
    /// while another test's replica led its own schema.)
    /// The database server goes away under a leading replica (killed at once: its connections close, new ones are
    /// refused): SIGTERM still stops the replica. Statements in flight on the closed connections were never answered
    /// (the leader's heartbeat, a read of the sync's), and shutdown waited for them for good; each wait now gives up
    /// once its connection has closed (`PostgresRunner.answer`), and the heartbeat after `Leadership.heartbeatLimit`.
    @Test func aLeaderWhoseDatabaseVanishedStopsOnSIGTERM() async throws {
        let binary = try intercacheBinary()
        var options = rigOptions(seed: 62)
        options.contacts = 40
        options.conversations = 20
        let location = try TestEngine.freshPostgres()
        guard case var .postgres(postgres) = location else { return }
        let proxy = try TCPProxy(to: postgres.port)
        postgres.port = proxy.port
        let (proxied, token) = (postgres.url, options.token)
        let store = try await MirrorDatabase.open(location)
        try await withLiveSimulator(options) { simulator in
            let log = FileManager.default.temporaryDirectory.appendingPathComponent("vanishing-\(UUID().uuidString).log").path
            let replica = try ServeProcess(binary: binary, database: proxied, intercom: simulator.base, replica: "vanishing",
                                           token: token, secret: "s", log: log)
            defer {
                replica.stop()
                try? FileManager.default.removeItem(atPath: log)
            }
            try await eventually("it leads and has synced", seconds: 60) {
                guard await replica.role() == "leader" else { return false }
                return try await store.checkpoint("conversations").lastSuccessAt != nil
            }
            proxy.cut()
            // Past a heartbeat or two on the vanished session.
            try await Task.sleep(for: .seconds(7))
            let signalled = ContinuousClock.now
            replica.process.terminate()
            while replica.process.isRunning, ContinuousClock.now - signalled < .seconds(30) { try await Task.sleep(for: .milliseconds(100)) }
            #expect(!replica.process.isRunning, "still running 30 s after SIGTERM")
            #expect(ContinuousClock.now - signalled < .seconds(20))
            if replica.process.isRunning { replica.kill() }
            // The outage is logged once, not at every look at the webhook queue (ten a second, before).
            let logged = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            let warnings = logged.components(separatedBy: "cannot read the webhook queue").count - 1
            #expect(warnings <= 1, "the webhook queue's outage was logged \(warnings) times")
        }
        try? await store.dropSchema()
        await store.close()
    }

    @Test func mirrorsInTwoSchemasOfOneDatabaseEachHaveTheirOwnLeader() async throws {
        let first = try await MirrorDatabase.open(try TestEngine.freshPostgres())
        let second = try await MirrorDatabase.open(try TestEngine.freshPostgres())
        let a = first.leadership(replica: "first-a"), b = first.leadership(replica: "first-b")
        let c = second.leadership(replica: "second-c")
        let (aLeads, bLeads, cLeads) = (try await a.claim(), try await b.claim(), try await c.claim())
        #expect(aLeads)
        #expect(!bLeads, "two leaders of one mirror")
        #expect(cLeads, "the other mirror's leader kept this one from leading")
        await a.resign()
        #expect(try await b.claim(), "the first mirror's next replica takes over")
        #expect(try await first.leader()?.replica == "first-b")
        #expect(try await second.leader()?.replica == "second-c")
        await b.resign()
        await c.resign()
        for store in [first, second] {
            try? await store.dropSchema()
            await store.close()
        }
    }
}
