import Foundation
import GRDB
import IntercomAPI
@testable import MirrorStore
import Testing

@Suite struct NormalizerTests {
    let conversations = Catalog.table("conversations")

    func value(_ table: TableSpec, _ column: String, _ item: JSON) -> DatabaseValue {
        Normalizer.value(table.columns.first { $0.name == column }!, item: item, owner: "owner")
    }

    @Test func assigneeZeroOrNullIsUnassignedAndIdsBecomeText() {
        #expect(value(conversations, "admin_assignee_id", .object([("admin_assignee_id", .int(0))])) == .null)
        #expect(value(conversations, "admin_assignee_id", .object([("admin_assignee_id", .null)])) == .null)
        #expect(value(conversations, "admin_assignee_id", .object([("admin_assignee_id", .int(991))])) == "991".databaseValue)
    }

    @Test func isoTimestampsOfEventSummariesBecomeUnixSeconds() {
        let events = Catalog.table("event_summaries")
        #expect(value(events, "first", .object([("first", .string("2026-01-01T00:00:00Z"))])) == 1_767_225_600.databaseValue)
        #expect(value(events, "first", .object([("first", .string("2026-01-01T00:00:00.000+00:00"))])) == 1_767_225_600.databaseValue)
    }

    @Test func customAttributesKeepOddKeysAndMixedTypesAsJSON() throws {
        let item: JSON = .object([("custom_attributes", .object([("plan.tier 💰", .int(3)), ("seats", .string("12 seats"))]))])
        let stored = try #require(String.fromDatabaseValue(value(conversations, "custom_attributes", item)))
        #expect(try JSON.parse(stored) == item["custom_attributes"]!)
    }

    @Test func aConversationsRawLeavesItsPartsToThePartRows() throws {
        let part: JSON = .object([("type", .string("conversation_part")), ("id", .string("77")), ("body", .string("<p>hi</p>"))])
        let item: JSON = .object([
            ("type", .string("conversation")), ("id", .string("5")), ("title", .string("Refund")),
            ("conversation_parts", .object([("type", .string("conversation_part.list")), ("conversation_parts", .array([part])),
                                            ("total_count", .int(1))])),
        ])
        let row = Normalizer.row(conversations, item: item, owner: nil)
        let raw = try JSON.parse(try #require(String.fromDatabaseValue(row.last!)))
        #expect(raw["title"] == .string("Refund"))
        #expect(raw["conversation_parts"]?["total_count"] == .int(1), "the list's own members stay")
        #expect(raw["conversation_parts"]?["conversation_parts"] == nil, "the parts are stored once, in conversation_parts")
        let partRow = Normalizer.row(Catalog.table("conversation_parts"), item: part, owner: "5")
        #expect(try JSON.parse(try #require(String.fromDatabaseValue(partRow.last!))) == part, "each part keeps its whole raw")
        // Tables whose children keep no raw of their own keep the whole item.
        let contact: JSON = .object([("id", .string("c")), ("tags", .object([("data", .array([.object([("id", .string("t"))])]))]))])
        let contactRow = Normalizer.row(Catalog.table("contacts"), item: contact, owner: nil)
        #expect(try JSON.parse(try #require(String.fromDatabaseValue(contactRow.last!))) == contact)
    }

    @Test func migrationsCreateEveryContractTableAndView() throws {
        let path = NSTemporaryDirectory() + "normalizer-\(UInt64.random(in: 0...UInt64.max)).sqlite"
        defer { MirrorDatabase.removeFiles(at: path) }
        let store = try MirrorDatabase(path: path)
        let names = try store.pool.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")
        }
        let contract = ["contacts", "companies", "admins", "teams", "team_admins", "tags", "segments", "notes", "conversations",
                        "conversation_parts", "contact_tags", "contact_companies", "contact_segments", "contact_social_profiles",
                        "company_tags", "company_segments", "conversation_tags", "conversation_contacts", "conversation_attachments",
                        "conversation_part_attachments", "data_attributes", "event_summaries", "articles", "sync_state",
                        "sync_runs", "deletions", "users", "leads", "users_tags", "users_companies", "users_segments",
                        "users_social_profiles", "leads_tags", "leads_companies", "leads_segments", "leads_social_profiles",
                        "tickets", "ticket_parts", "ticket_types", "ticket_type_attributes", "ticket_states", "ticket_contacts",
                        "ticket_tags", "ticket_links", "ticket_metrics"]
        #expect(Set(contract).subtracting(names).isEmpty)
        let journal = try store.pool.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        #expect(journal == "wal")
    }
}
