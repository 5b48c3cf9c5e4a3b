import HTTPTypes
import HummingbirdTesting
import IntercomAPI
import ReadAPI
import TestSupport
import Testing

/// Requests the HTTP parser refuses before any route sees them get the JSON error every other refusal has.
@Suite struct ParserLimitTests {
    /// One request over a fresh connection (a refusal closes its connection), to the API over `engine`'s mirror.
    static func get(_ uri: String, headers: HTTPFields = [:], engine: TestEngine = .sqlite) async throws
        -> (status: HTTPResponse.Status, body: JSON, headers: HTTPFields) {
        try await sharedMirror(engine).withLiveAPI { client in try await client.getJSON(uri, headers: headers) }
    }

    /// SQLite only: the parser refuses the request before any route, so no store is asked.
    @Test(arguments: [
        "/contacts?name=" + String(repeating: "x", count: 300_000),
        "/contacts?id__in=" + (0..<40_000).map { "c\($0)" }.joined(separator: ","),
    ])
    func anOversizedRequestLineIsA414WithAJSONBody(uri: String) async throws {
        let answer = try await Self.get(uri)
        #expect(answer.status == .uriTooLong)
        #expect(answer.body["error"]?["code"] == .string("uri_too_long"))
        #expect(answer.body["error"]?["status"] == .int(414))
        #expect(answer.headers[.contentType]?.hasPrefix("application/json") == true)
    }

    /// On both engines: past the refusal, the same request and a filter of a thousand ids are read from the store.
    @Test(arguments: TestEngine.all)
    func oversizedHeadersAreA431WithAJSONBody(engine: TestEngine) async throws {
        let padding = try #require(HTTPField.Name("X-Padding"))
        let answer = try await Self.get("/contacts?limit=1", headers: [padding: String(repeating: "y", count: 100_000)], engine: engine)
        #expect(answer.status == .requestHeaderFieldsTooLarge)
        #expect(answer.body["error"]?["code"] == .string("headers_too_large"))
        // Under the limits, the same request is served.
        let fits = try await Self.get("/contacts?limit=1", headers: [padding: String(repeating: "y", count: 10_000)], engine: engine)
        #expect(fits.status == .ok)
        let filtered = try await Self.get("/contacts?limit=1&id__in=" + (0..<1_000).map { "c\($0)" }.joined(separator: ","), engine: engine)
        #expect(filtered.status == .ok, "\(filtered.body)")
    }
}
