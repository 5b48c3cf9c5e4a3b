import AsyncHTTPClient
import Foundation
import MirrorStore
import NIOCore
import NIOHTTP1
import TestSupport
import Testing

/// `intercache serve` as a process: it refuses an open non-loopback bind, serves the API, and stops cleanly on SIGTERM.
@Suite struct ServeCommandTests {
    func launch(_ arguments: [String], environment: [String: String] = [:]) throws -> (Process, Pipe, Pipe) {
        let process = try intercacheProcess(arguments, unset: ["INTERCACHE_API_KEYS", "INTERCACHE_HOST", "INTERCACHE_PORT",
                                                               "INTERCACHE_DATABASE", "INTERCOM_CLIENT_SECRET"], set: environment)
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        return (process, out, err)
    }

    /// Refused while the options are parsed, before a mirror is opened: one engine is enough.
    @Test func aNonLoopbackAddressWithoutKeysIsRefused() throws {
        let database = scratchMirrorPath("intercache-serve")
        defer { MirrorDatabase.removeFiles(at: database) }
        let (process, _, err) = try launch(["serve", "--host", "0.0.0.0", "--port", "0", "--token", "t", "--database", database])
        process.waitUntilExit()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus != 0)
        #expect(message.contains("INTERCACHE_API_KEYS"))
        #expect(message.contains("--allow-unauthenticated"))
    }

    @Test(arguments: TestEngine.all)
    func serveAnswersAndExitsZeroOnSIGTERM(engine: TestEngine) async throws {
        try await withScratchMirror(engine, prefix: "intercache-serve") { mirror in
            try await serveAnswersAndExitsZeroOnSIGTERM(database: mirror.argument)
        }
    }

    /// The SIGTERM test against the mirror at `database` (a file path or a `postgres://` URL).
    func serveAnswersAndExitsZeroOnSIGTERM(database: String) async throws {
        // Intercom is unreachable here: the scheduler's passes fail, and the API keeps serving.
        let (process, out, err) = try launch(["serve", "--port", "0", "--database", database, "--intercom-url", "http://127.0.0.1:9",
                                            "--sync-interval", "3600", "--full-sync-interval", "3600"],
                                           environment: ["INTERCOM_ACCESS_TOKEN": "t", "INTERCACHE_API_KEYS": "secret-key"])
        var bytes: [UInt8] = []
        while true {
            let byte = out.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty || byte.first == 10 { break }
            bytes += byte
        }
        let firstLine = String(decoding: bytes, as: UTF8.self)
        let base = try #require(firstLine.split(separator: " ").last.map(String.init), "first line: \(firstLine)")
        #expect(firstLine.hasPrefix("listening on http://127.0.0.1:"))
        let health = try await HTTPClient.shared.execute(HTTPClientRequest(url: base + "/healthz"), timeout: .seconds(5))
        #expect(health.status.code == 200)
        let locked = try await HTTPClient.shared.execute(HTTPClientRequest(url: base + "/contacts"), timeout: .seconds(5))
        #expect(locked.status.code == 401)
        var request = HTTPClientRequest(url: base + "/contacts")
        request.headers.add(name: "Authorization", value: "Bearer secret-key")
        #expect(try await HTTPClient.shared.execute(request, timeout: .seconds(5)).status.code == 200)
        // Request metrics count buffered and streamed answers alike (a CSV body is timed to its last byte).
        request.url = base + "/contacts?format=csv"
        let csv = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
        #expect(csv.status.code == 200)
        _ = try await csv.body.collect(upTo: 1 << 20)
        request.url = base + "/metrics"
        let scrape = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
        let metrics = String(buffer: try await scrape.body.collect(upTo: 1 << 20))
        let contacts = #"{http_route="/contacts",http_request_method="GET",http_response_status_code="#
        #expect(metrics.contains(#"hb_requests\#(contacts)"200"} 2"#), "\(metrics)")
        #expect(metrics.contains(#"hb_requests\#(contacts)"401"} 1"#))
        #expect(metrics.contains(#"http_server_request_duration_count\#(contacts)"200"} 2"#))
        #expect(metrics.contains(#"http_server_active_requests{http_request_method="GET"} 1"#), "only the scrape itself is active")
        // No INTERCOM_CLIENT_SECRET: the webhook route is off, and the log said so at startup.
        var webhook = HTTPClientRequest(url: base + "/webhooks/intercom")
        webhook.method = .POST
        webhook.body = .bytes(ByteBuffer(string: #"{"type":"notification_event"}"#))
        #expect(try await HTTPClient.shared.execute(webhook, timeout: .seconds(5)).status.code == 404)
        process.terminate()  // SIGTERM
        let deadline = Date().addingTimeInterval(15)
        while process.isRunning, Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(!process.isRunning)
        if process.isRunning { kill(process.processIdentifier, SIGKILL) } else {
            #expect(process.terminationStatus == 0)
            #expect(process.terminationReason == .exit)
            let log = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(log.contains("webhooks off"), "startup log: \(log)")
        }
    }
}
