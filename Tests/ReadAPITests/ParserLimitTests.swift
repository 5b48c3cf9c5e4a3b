import HTTPTypes
import HummingbirdTesting
import IntercomAPI
import ReadAPI
import Testing

/// Requests the HTTP parser refuses before any route sees them get the JSON error every other refusal has.
@Suite struct ParserLimitTests {
    /// One request over a fresh connection (a refusal closes its connection).
    static func get(_ uri: String, headers: HTTPFields = [:]) async throws -> (status: HTTPResponse.Status, body: JSON, headers: HTTPFields) {
        try await sharedMirror().withLiveAPI { client in try await client.getJSON(uri, headers: headers) }
    }

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

    @Test func oversizedHeadersAreA431WithAJSONBody() async throws {
        let padding = try #require(HTTPField.Name("X-Padding"))
        let answer = try await Self.get("/contacts?limit=1", headers: [padding: String(repeating: "y", count: 100_000)])
        #expect(answer.status == .requestHeaderFieldsTooLarge)
        #expect(answer.body["error"]?["code"] == .string("headers_too_large"))
        // Under the limits, the same request is served.
        let fits = try await Self.get("/contacts?limit=1", headers: [padding: String(repeating: "y", count: 10_000)])
        #expect(fits.status == .ok)
        let filtered = try await Self.get("/contacts?limit=1&id__in=" + (0..<1_000).map { "c\($0)" }.joined(separator: ","))
        #expect(filtered.status == .ok, "\(filtered.body)")
    }
}
