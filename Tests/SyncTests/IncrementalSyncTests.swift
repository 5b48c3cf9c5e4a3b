import IntercomAPI
import IntercomSimulator
import MirrorStore
import Sync
import TestSupport
import Testing

@Suite struct IncrementalSyncTests {
    @Test(arguments: TestEngine.all)
    func mutationsConvergeAndDeletionsAreRecorded(engine: TestEngine) async throws {
        try await withRig(engine: engine) { rig in
            try await rig.sync()
            let ids = try await rig.strings("SELECT id FROM contacts ORDER BY id LIMIT 6")
            let conversation = try #require(try await rig.strings("SELECT id FROM conversations ORDER BY id LIMIT 1").first)
            let company = try #require(try await rig.strings("SELECT id FROM companies ORDER BY id LIMIT 1").first)
            try await rig.control(.post, "/contacts/\(ids[0])", .object([("name", .string("Renamed ✨"))]), verb: "PATCH")
            try await rig.control(.post, "/contacts/\(ids[1])", verb: "DELETE")
            try await rig.control(.post, "/contacts/\(ids[2])/merge", .object([("into", .string(ids[3]))]))
            try await rig.control(.post, "/contacts/\(ids[4])/archive")
            try await rig.control(.post, "/conversations/\(conversation)", verb: "DELETE")
            try await rig.control(.post, "/companies/\(company)", .object([("name", .string("Renamed Co"))]), verb: "PATCH")
            try await rig.control(.post, "/mutate", .object([("contacts", .int(30)), ("conversations", .int(20))]))

            let incremental = try await rig.sync()
            #expect(incremental.resources.first { $0.resource == .contacts }?.mode == "incremental")
            let name = try await rig.strings("SELECT name FROM contacts WHERE id = ?", [.text(ids[0])]).first
            #expect(name == "Renamed ✨")
            // Contacts leave no trace in an incremental search; the full sweep finds them gone.
            try await rig.sync(full: true)
            let diff = try await differences(rig)
            #expect(diff.isEmpty, "\(diff)")
            let deletions = try await rig.strings("SELECT resource || ':' || id || ':' || reason || ':' || COALESCE(merged_into, '') FROM deletions")
            #expect(deletions.contains("contacts:\(ids[1]):not_found:"))
            #expect(deletions.contains("contacts:\(ids[2]):merged:\(ids[3])"))
            #expect(deletions.contains("contacts:\(ids[4]):not_found:"))
            #expect(deletions.contains("conversations:\(conversation):deleted:"))
            let ghosts = try await rig.int("SELECT COUNT(*) FROM conversation_contacts WHERE contact_id IN (?, ?)", [.text(ids[1]), .text(ids[2])])
            #expect(ghosts == 0)
        }
    }

    @Test(arguments: TestEngine.all)
    func aNewPartOnACappedConversationKeepsTheOlderPartsAlreadyMirrored(engine: TestEngine) async throws {
        try await withRig(engine: engine) { rig in
            try await rig.sync()
            let capped = try #require(try await rig.text("SELECT id FROM conversations WHERE parts_truncated = 1 ORDER BY id LIMIT 1"))
            try await rig.control(.post, "/conversations/\(capped)/parts", .object([("body", .string("<p>one more</p>"))]))
            let incremental = try await rig.sync()
            #expect(incremental.resources.first { $0.resource == .conversations }?.mode == "incremental")
            let row = try #require(try await rig.rows("""
                SELECT (SELECT COUNT(*) FROM conversation_parts WHERE conversation_id = c.id) AS held,
                       parts_total_count, parts_truncated FROM conversations c WHERE id = ?
                """, [.text(capped)]).first)
            let (held, total, truncated) = (try #require(row[0].integer), try #require(row[1].integer), row[2].integer == 1)
            // Intercom now returns the 500 most recent, which drops the oldest we had; we keep it.
            #expect(held == 501)
            #expect(total > held)
            #expect(truncated)
            let diff = try await differences(rig)
            #expect(diff.isEmpty, "\(diff)")
        }
    }

    @Test(arguments: TestEngine.all)
    func aSameDayUpdateIsFoundByTheNextIncrementalPass(engine: TestEngine) async throws {
        try await withRig(engine: engine) { rig in
            try await rig.sync()
            let id = try #require(try await rig.text("SELECT id FROM contacts ORDER BY id LIMIT 1"))
            // The simulator's clock moves a minute: the same day as the last sync's watermark.
            try await rig.control(.post, "/config", .object([("advance_clock", .int(60))]))
            try await rig.control(.post, "/contacts/\(id)", .object([("name", .string("Same-day change"))]), verb: "PATCH")
            try await rig.sync(resources: [.contacts])
            let name = try await rig.text("SELECT name FROM contacts WHERE id = ?", [.text(id)])
            #expect(name == "Same-day change")
        }
    }

    @Test(arguments: TestEngine.all)
    func incrementalPassesSpendOnlyTheCallsTheChangesNeed(engine: TestEngine) async throws {
        try await withRig(engine: engine) { rig in
            try await rig.sync()
            let quiet = try await rig.sync(resources: [.contacts, .conversations])
            try await rig.control(.post, "/mutate", .object([("contacts", .int(5)), ("conversations", .int(5))]))
            let busy = try await rig.sync(resources: [.contacts, .conversations])
            // Searches, plus one fetch per changed conversation for its parts; not a re-listing of everything.
            #expect(busy.api.calls - quiet.api.calls <= 5 + 2)
            // ...and at least those fetches: the changed conversations really were found.
            #expect(busy.api.calls - quiet.api.calls >= 5)
        }
    }
}
