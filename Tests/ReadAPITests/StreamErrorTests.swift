import AsyncHTTPClient
import Foundation
import HTTPTypes
import HummingbirdTesting
import GRDB
import IntercomAPI
import MirrorStore
import NIOCore
import NIOHTTP1
import ReadAPI
import TestSupport
import Testing

/// A streamed export (CSV, NDJSON) is refused exactly as its JSON form is: checked before the status line.
@Suite struct StreamErrorTests {
    /// Every relation route, by its path with the parent id in place.
    static let relations = [
        "/contacts/{id}/conversations", "/users/{id}/conversations", "/leads/{id}/conversations", "/contacts/{id}/notes",
        "/contacts/{id}/tags", "/contacts/{id}/companies", "/contacts/{id}/segments", "/contacts/{id}/events",
        "/companies/{id}/contacts", "/companies/{id}/conversations", "/conversations/{id}/parts", "/admins/{id}/conversations",
        "/tags/{id}/contacts", "/segments/{id}/contacts",
    ]

    @Test(arguments: ["csv", "ndjson"], TestEngine.all)
    func anUnknownParentIsA404WithAJSONBodyInEveryFormat(format: String, engine: TestEngine) async throws {
        let mirror = try await sharedMirror(engine)
        try await mirror.withAPI { client in
            for route in Self.relations {
                let path = route.replacingOccurrences(of: "{id}", with: "0") + "?format=\(format)"
                let answer = try await client.getJSON(path)
                #expect(answer.status == .notFound, "\(path)")
                #expect(answer.body["error"]?["code"] == .string("not_found"), "\(path)")
                #expect(answer.headers[.contentType]?.hasPrefix("application/json") == true, "\(path)")
            }
        }
    }

    @Test(arguments: ["csv", "ndjson"], TestEngine.all)
    func aBadFilterOrCursorIsA400WithAJSONBodyInEveryFormat(format: String, engine: TestEngine) async throws {
        let mirror = try await sharedMirror(engine)
        let contact = try #require(try await mirror.string("SELECT id FROM contacts LIMIT 1"))
        try await mirror.withAPI { client in
            for path in ["/contacts/\(contact)/conversations?no_such_field=1&format=\(format)",
                         "/contacts?format=\(format)&cursor=not-a-cursor"] {
                let answer = try await client.getJSON(path)
                #expect(answer.status == .badRequest, "\(path)")
                #expect(answer.body["error"]?["code"]?.stringValue != nil, "\(path)")
            }
            // A known parent still streams.
            let ok = try await client.getText("/contacts/\(contact)/conversations?format=\(format)")
            #expect(ok.status == .ok)
        }
    }

    @Test(arguments: TestEngine.all)
    func aThousandFiltersAreA400NotA500(engine: TestEngine) async throws {
        let mirror = try await sharedMirror(engine)
        try await mirror.withAPI { client in
            let many = (0..<1_000).map { "name__ne=x\($0)" }.joined(separator: "&")
            let refused = try await client.getJSON("/contacts?\(many)")
            #expect(refused.status == .badRequest)
            #expect(refused.body["error"]?["code"] == .string("too_many_filters"))
            let some = (0..<100).map { "name__ne=x\($0)" }.joined(separator: "&")
            #expect(try await client.getJSON("/contacts?\(some)").status == .ok)
            #expect(try await client.getText("/contacts?\(some)&format=csv").status == .ok)
        }
    }

    /// A failure after the 200 (here forced after the first page, as a later page past its budget would fail) ends
    /// the chunked body without its last chunk: a real HTTP client reports the transfer incomplete, never complete.
    @Test(arguments: ["csv", "ndjson"], TestEngine.all)
    func aFailureAfterTheFirstPageIsAnIncompleteTransfer(format: String, engine: TestEngine) async throws {
        let mirror = try await freshMirror(engine: engine, contacts: 700, conversations: 20)
        var configuration = SyncedMirror.testConfiguration
        configuration.streamFailsAfterPages = 1
        for failing in [false, true] {
            let outcome = try await mirror.withLiveAPI(failing ? configuration : SyncedMirror.testConfiguration) { client in
                let port = try #require(client.port)
                let response = try await HTTPClient.shared.execute(
                    HTTPClientRequest(url: "http://127.0.0.1:\(port)/contacts?format=\(format)"), timeout: .seconds(60))
                #expect(response.status == .ok)
                var lines = 0
                do {
                    for try await chunk in response.body { lines += chunk.readableBytesView.filter { $0 == 10 }.count }
                    return (lines: lines, error: nil as String?)
                } catch {
                    return (lines: lines, error: "\(error)")
                }
            }
            let rows = (format == "csv" ? 1 : 0) + 700
            if failing {
                #expect(outcome.error != nil, "a broken export read as complete, \(outcome.lines) lines")
                #expect(outcome.lines < rows)
            } else {
                #expect(outcome.error == nil)
                #expect(outcome.lines == rows)
            }
        }
    }
}
