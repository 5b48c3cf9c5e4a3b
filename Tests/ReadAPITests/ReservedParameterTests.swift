import Foundation
import GRDB
import HTTPTypes
import HummingbirdTesting
import IntercomAPI
import MirrorStore
import ReadAPI
import TestSupport
import Testing

/// `count` is a list parameter and also a column of segments and event summaries. Datasette's rule: the bare name is
/// the parameter, and the column is filtered in the explicit form, `count__eq`.
@Suite struct ReservedParameterTests {
    @Test(arguments: TestEngine.all)
    func aColumnNamedAsAReservedParameterIsFilteredWithEq(engine: TestEngine) async throws {
        let mirror = try await sharedMirror(engine)
        let row = try #require(try await mirror.rows(
            "SELECT \"count\", COUNT(*) AS n FROM segments WHERE \"count\" IS NOT NULL GROUP BY \"count\" ORDER BY n DESC LIMIT 1").first)
        let (value, expected) = (try #require(row[0].integer), try #require(row[1].integer))
        let total = try await mirror.int("SELECT COUNT(*) FROM segments") ?? 0
        #expect(expected < total, "the filter must narrow the list for the test to mean anything")
        try await mirror.withAPI { client in
            let filtered = try await client.getJSON("/segments?count__eq=\(value)&limit=1000")
            #expect(filtered.status == .ok)
            let items = try #require(filtered.body["data"]?.arrayValue)
            #expect(items.count == expected)
            #expect(items.allSatisfy { $0["count"] == .int(value) })
            let above = try await client.getJSON("/segments?count__gt=\(value)&count=true")
            #expect(above.status == .ok)
            #expect(above.body["total_count"]?.intValue != nil)
            // The bare name is the parameter: a number is not a boolean, and the hint says how to filter the column.
            let bare = try await client.getJSON("/segments?count=\(value)")
            #expect(bare.status == .badRequest)
            #expect(bare.body["error"]?["hint"]?.stringValue?.contains("count__eq=\(value)") == true)
        }
    }

    @Test func openAPIYAMLListsTheExplicitForm() throws {
        let document = OpenAPIDocument.yaml
        let segments = try #require(document.range(of: "\n  /segments:\n"))
        let next = document[segments.upperBound...].range(of: "\n  /")!.lowerBound
        let block = document[segments.upperBound..<next]
        // Filters are defined once per resource under components/parameters and referenced from each route.
        #expect(block.contains("\"$ref\": \"#/components/parameters/segments.count__eq\""))
        #expect(block.contains("\"$ref\": \"#/components/parameters/segments.name\"\n"))
        #expect(document.contains("\n    segments.count__eq:\n      name: \"count__eq\"\n"))
    }
}
