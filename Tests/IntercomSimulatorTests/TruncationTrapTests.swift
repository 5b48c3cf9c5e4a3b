import IntercomAPI
import IntercomSimulator
import NIOHTTP1
import Testing

/// Embedded lists stop at 10 and conversations at 500 parts; the real totals are always told.
@Suite struct TruncationTrapTests {
    @Test func embeddedTagsStopAtTenWithHasMoreAndTheFullListIsFetchable() async throws {
        try await withSimulator { sim, workspace in
            let contact = try #require(workspace.read { s in s.contacts.first { $0.tagIds.count > 10 } })
            let body = try await sim.get("/contacts/\(contact.id)").json()
            let tags = try body.require("tags")
            #expect(tags["data"]?.arrayValue?.count == 10)
            #expect(tags["has_more"] == .bool(true))
            #expect(tags["total_count"] == .int(contact.tagIds.count))
            let full = try await sim.get("/contacts/\(contact.id)/tags").json()
            #expect(full["data"]?.arrayValue?.map { $0["id"]!.stringValue! } == contact.tagIds)
        }
    }

    @Test func embeddedNotesAndCompaniesStopAtTen() async throws {
        var options = smallOptions()
        options.contacts = 1_500
        try await withSimulator(options) { sim, workspace in
            let withNotes = try #require(workspace.read { s in s.contacts.first { $0.noteIds.count > 10 } })
            let notes = try await sim.get("/contacts/\(withNotes.id)").json().require("notes")
            #expect(notes["has_more"] == .bool(true))
            #expect(notes["data"]?.arrayValue?.count == 10)
            let allNotes = try await sim.get("/contacts/\(withNotes.id)/notes").json()
            #expect(allNotes["data"]?.arrayValue?.count == withNotes.noteIds.count)

            let withCompanies = try #require(workspace.read { s in s.contacts.first { $0.companyIds.count > 10 } })
            let companies = try await sim.get("/contacts/\(withCompanies.id)").json().require("companies")
            #expect(companies["has_more"] == .bool(true))
            let allCompanies = try await sim.get("/contacts/\(withCompanies.id)/companies").json()
            #expect(allCompanies["total_count"] == .int(withCompanies.companyIds.count))
        }
    }

    @Test func conversationPartsStopAtTheFiveHundredMostRecent() async throws {
        var options = smallOptions()
        options.conversations = 2_000
        try await withSimulator(options) { sim, workspace in
            let long = try #require(workspace.read { s in s.conversations.first { $0.partCount > 500 } })
            let body = try await sim.get("/conversations/\(long.id)").json()
            let parts = try body.require("conversation_parts")
            let list = try #require(parts["conversation_parts"]?.arrayValue)
            #expect(list.count == 500)
            #expect(parts["total_count"] == .int(long.partCount))
            // The most recent ones: the last part is the newest, the oldest ones are cut.
            let created = list.map { $0["created_at"]!.intValue! }
            #expect(created == created.sorted())
            #expect(list.last?["id"] == .string(String(UInt64(long.seq + 1) * 1_000_000 + UInt64(long.partCount - 1))))
        }
    }

    @Test func listAndSearchResultsCarryNoParts() async throws {
        try await withSimulator { sim, _ in
            let list = try await sim.get("/conversations?per_page=5").json()
            #expect(list["conversations"]!.arrayValue!.allSatisfy { $0["conversation_parts"] == nil })
            let one = try await sim.get("/conversations/1000").json()
            #expect(one["conversation_parts"] != nil)
        }
    }
}
