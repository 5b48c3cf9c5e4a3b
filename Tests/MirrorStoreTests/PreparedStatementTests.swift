import Foundation
import IntercomAPI
import Testing
import TestSupport
@testable import MirrorStore

/// The PostgreSQL writer prepares each upsert once and binds its values in binary: what it stores must equal what the
/// same writes store on SQLite (text sent as text), value for value.
@Suite struct PreparedStatementTests {
    static let company = """
        {"type": "company", "id": "c-1", "company_id": "ext \\u00e9\\u6f22 1", "name": "Caf\\u00e9 \\"Zo\\u00eb\\" \\ud83d\\ude00",
         "created_at": 1700000000, "updated_at": 1700000123, "monthly_spend": 0.1, "session_count": 9007199254740993,
         "user_count": 0, "size": null, "website": "",
         "custom_attributes": {"tier": "gold", "seats": 12, "ratio": 1e-7, "nested": {"a": [1, 2.5, null, true]}},
         "tags": {"tags": [{"id": "t-1"}, {"id": "t-2"}]}, "segments": {"segments": []}}
        """

    @Test(arguments: TestEngine.all) func upsertsStoreExactlyWhatSQLiteStores(engine: TestEngine) async throws {
        try await engine.withMirror { store in
            try await TestEngine.sqlite.withMirror { reference in
                let item = try JSON.parse(Array(Self.company.utf8))
                let changed = try JSON.parse(Array(Self.company.replacingOccurrences(of: "\"name\": \"Caf", with: "\"name\": \"Renamed caf").utf8))
                for mirror in [store, reference] {
                    // The second write of the same statement runs the prepared one on PostgreSQL; the third changes a value.
                    for version in [item, item, changed, item] {
                        try await mirror.write { tx in try tx.upsert(.companies, item: version, sweep: 1) }
                    }
                }
                let query = "SELECT * FROM companies ORDER BY id"
                let stored = try await store.reading { sql in try sql.namedRows(query, []) }
                let expected = try await reference.reading { sql in try sql.namedRows(query, []) }
                #expect(stored.count == 1)
                for (row, want) in zip(stored, expected) {
                    for column in Schema.storedColumnNames(.companies) {
                        let got = row.values[column] ?? .null, wanted = want.values[column] ?? .null
                        if column == "raw" || column == "custom_attributes" {
                            // jsonb keeps its own key order: compare the JSON, not the text.
                            #expect(Self.ordered(got) == Self.ordered(wanted), "\(column): \(got) against \(wanted)")
                            #expect(Self.ordered(got) != nil)
                        } else {
                            #expect(got == wanted, "\(column): \(got) against \(wanted)")
                        }
                    }
                }
                let tags = try await store.reading { sql in try sql.strings("SELECT tag_id FROM company_tags ORDER BY tag_id", []) }
                #expect(tags == ["t-1", "t-2"])
                if engine == .postgres {
                    // The writer's session lists the upsert once, executed at every write after the first.
                    let runs = try await store.write { tx in
                        try tx.sql.rows("SELECT generic_plans + custom_plans FROM pg_prepared_statements WHERE statement LIKE 'INSERT INTO \"companies\" %'",
                                        [], limit: .max)
                    }
                    #expect(runs.count == 1)
                    #expect((runs.first?.first?.integer ?? 0) >= 3)
                }
            }
        }
    }

    /// The writer holds rows back and sends them many to a statement: within one transaction, a rewrite of an item
    /// replaces the child rows held for it, a read sees every write before it, a deletion removes held rows, and the last
    /// write of a key wins, exactly as the one-row statements do on SQLite.
    @Test(arguments: TestEngine.all) func heldWritesMeanWhatOneRowStatementsMean(engine: TestEngine) async throws {
        @Sendable func company(_ id: String, name: String, tags: [String]) throws -> JSON {
            let tagList = tags.map { "{\"id\": \"\($0)\"}" }.joined(separator: ", ")
            return try JSON.parse(Array("""
                {"type": "company", "id": "\(id)", "name": "\(name)", "updated_at": 1700000000, "tags": {"tags": [\(tagList)]}}
                """.utf8))
        }
        try await engine.withMirror { store in
            try await TestEngine.sqlite.withMirror { reference in
                var seen: [[String]] = []
                for mirror in [store, reference] {
                    let inside = try await mirror.write { tx -> [String] in
                        for n in 0..<300 { try tx.upsert(.companies, item: try company("c-\(n)", name: "first \(n)", tags: ["t-1", "t-2"]), sweep: 1) }
                        try tx.upsert(.companies, item: try company("c-1", name: "second", tags: ["t-3"]), sweep: 1)
                        let read = try tx.sql.strings("SELECT company_id || ':' || tag_id FROM company_tags WHERE company_id IN ('c-1', 'c-2') ORDER BY 1")
                        try tx.upsert(.companies, item: try company("c-2", name: "third", tags: []), sweep: 1)
                        try tx.delete(.companies, id: "c-3", reason: "test", at: 1)
                        try tx.upsert(.companies, item: try company("c-3", name: "back", tags: ["t-9", "t-9"]), sweep: 1)
                        try tx.delete(.companies, id: "c-4", reason: "test", at: 1)
                        return read
                    }
                    let after = try await mirror.reading { sql in
                        try sql.strings("SELECT company_id || ':' || tag_id FROM company_tags ORDER BY 1")
                            + sql.strings("SELECT id || ':' || name FROM companies ORDER BY 1")
                            + sql.strings("SELECT resource || ':' || id FROM deletions ORDER BY 1")
                    }
                    seen.append(inside + ["--"] + after)
                }
                #expect(seen[0] == seen[1])
                #expect(seen[1].prefix(3) == ["c-1:t-3", "c-2:t-1", "c-2:t-2"])
                #expect(seen[1].contains("c-3:t-9") && !seen[1].contains("c-4:t-1") && seen[1].contains("c-1:second"))
            }
        }
    }

    /// A stored JSON text parsed, with every object's keys sorted.
    static func ordered(_ value: StoreValue) -> JSON? {
        func sorted(_ json: JSON) -> JSON {
            switch json {
            case let .object(members): .object(members.map { ($0.0, sorted($0.1)) }.sorted { $0.0 < $1.0 })
            case let .array(elements): .array(elements.map(sorted))
            default: json
            }
        }
        return value.string.flatMap { try? JSON.parse(Array($0.utf8)) }.map(sorted)
    }
}
