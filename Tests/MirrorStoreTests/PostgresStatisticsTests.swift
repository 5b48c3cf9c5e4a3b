import Foundation
import IntercomAPI
import Testing
import TestSupport
@testable import MirrorStore

/// A first sync fills the mirror's tables from nothing, faster than autovacuum looks at them: the writer analyzes each
/// table as it grows, so its lookups by owner find rows by index instead of reading the whole table every batch.
@Suite(.enabled(if: !TestEngine.postgresSkipped, "INTERCACHE_TEST_SKIP_POSTGRES=1"))
struct PostgresStatisticsTests {
    static func company(_ n: Int) throws -> JSON {
        let tags = (0..<3).map { "{\"id\": \"t-\(($0 + n) % 50)\"}" }.joined(separator: ", ")
        return try JSON.parse(Array("""
            {"type": "company", "id": "c-\(n)", "name": "Company \(n)", "updated_at": 1700000000, "tags": {"tags": [\(tags)]}}
            """.utf8))
    }

    @Test func ownerLookupsUseTheIndexOnceATableHasGrown() async throws {
        try await TestEngine.postgres.withMirror { store in
            // Only the writer's own analyses count here: autovacuum could otherwise analyze the table mid-test.
            try await store.write { tx in
                for table in ["companies", "company_tags"] {
                    try tx.sql.execute("ALTER TABLE \(Schema.quoted(table)) SET (autovacuum_enabled = false)", [])
                }
            }
            // 10,000 companies with three tags each, in batches of 250 as a sync commits them.
            for batch in 0..<40 {
                let items = try (batch * 250..<(batch + 1) * 250).map(Self.company)
                try await store.write { tx in
                    for item in items { try tx.upsert(.companies, item: item, sweep: 1) }
                }
            }
            let counted = try await store.reading { sql in
                try sql.rows("SELECT reltuples FROM pg_class WHERE oid = 'company_tags'::regclass", [], limit: 1)
            }
            guard case let .double(rows)? = counted.first?.first else { Issue.record("no reltuples: \(counted)"); return }
            // Analyzed each time it doubled: it was last analyzed past half its 30,000 rows.
            #expect(rows >= 15_000 && rows <= 30_000)
            // What the writer sends when a batch replaces companies' tags.
            let owners = (0..<16).map { "'c-\($0 * 600)'" }.joined(separator: ",")
            let plan = try await store.reading { sql in
                try sql.strings("EXPLAIN DELETE FROM company_tags WHERE company_id IN (\(owners))", [])
            }.joined(separator: "\n")
            #expect(plan.contains("Index"), "\(plan)")
            #expect(!plan.contains("Seq Scan"), "\(plan)")
        }
    }
}
