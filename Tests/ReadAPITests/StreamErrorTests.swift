import Foundation
import HTTPTypes
import HummingbirdTesting
import GRDB
import IntercomAPI
import MirrorStore
import ReadAPI
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

    @Test(arguments: ["csv", "ndjson"])
    func anUnknownParentIsA404WithAJSONBodyInEveryFormat(format: String) async throws {
        let mirror = try await sharedMirror()
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

    @Test(arguments: ["csv", "ndjson"])
    func aBadFilterOrCursorIsA400WithAJSONBodyInEveryFormat(format: String) async throws {
        let mirror = try await sharedMirror()
        let contact = try #require(try await mirror.store.read { db in
            try String.fetchOne(db, sql: "SELECT id FROM contacts LIMIT 1")
        })
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

    @Test func aThousandFiltersAreA400NotA500() async throws {
        let mirror = try await sharedMirror()
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
}
