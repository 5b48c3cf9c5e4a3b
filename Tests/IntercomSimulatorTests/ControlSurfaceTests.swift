import IntercomAPI
import Foundation
import IntercomSimulator
import NIOHTTP1
import Testing

/// The `/_simulator/` surface: mutations advance `updated_at` and ground truth follows them.
@Suite struct ControlSurfaceTests {
    @Test func contactUpdateAdvancesUpdatedAt() async throws {
        try await withSimulator { sim, workspace in
            let id = workspace.read { $0.contacts[0].id }
            let before = try await sim.get("/contacts/\(id)").json()["updated_at"]!.intValue!
            try await sim.control(.PATCH, "/contacts/\(id)", .object([("custom_attributes", .object([("plan", .string("gold"))]))]))
            let after = try await sim.get("/contacts/\(id)").json()
            #expect(after["updated_at"]!.intValue! > before)
            #expect(after["custom_attributes"]?["plan"] == .string("gold"))
        }
    }

    @Test func newConversationsAndPartsShowInTruthAndTheAPI() async throws {
        try await withSimulator { sim, workspace in
            let before = try await sim.truth()
            let contact = workspace.read { $0.contacts[4].id }
            let created = try await sim.control(.POST, "/conversations", .object([("contact_id", .string(contact))]))
            let id = created["id"]!.stringValue!
            try await sim.control(.POST, "/conversations/\(id)/parts", .object([("count", .int(3))]))
            let after = try await sim.truth()
            #expect(after["conversations"]!["total"]!.intValue! == before["conversations"]!["total"]!.intValue! + 1)
            #expect(after["conversation_parts"]!.intValue! == before["conversation_parts"]!.intValue! + 3)
            let full = try await sim.get("/conversations/\(id)").json()
            #expect(full["conversation_parts"]?["total_count"] == .int(3))
            #expect(full["contacts"]?["contacts"]?.arrayValue?.first?["id"] == .string(contact))
        }
    }

    @Test func mergeMovesConversationsToTheSurvivor() async throws {
        try await withSimulator { sim, workspace in
            let (from, into) = workspace.read { s in (s.conversations[0].contactIds[0], s.contacts.first { $0.id != s.conversations[0].contactIds[0] }!.id) }
            try await sim.control(.POST, "/contacts/\(from)/merge", .object([("into", .string(into))]))
            let conversation = try await sim.get("/conversations/1000").json()
            let ids = conversation["contacts"]!["contacts"]!.arrayValue!.map { $0["id"]!.stringValue! }
            #expect(ids.contains(into) && !ids.contains(from))
        }
    }

    @Test func companyUpdateAdvancesUpdatedAt() async throws {
        try await withSimulator { sim, workspace in
            let id = workspace.read { $0.companies[0].id }
            let before = try await sim.get("/companies/\(id)").json()["updated_at"]!.intValue!
            try await sim.control(.PATCH, "/companies/\(id)", .object([("monthly_spend", .int(42))]))
            let after = try await sim.get("/companies/\(id)").json()
            #expect(after["updated_at"]!.intValue! > before)
            #expect(after["monthly_spend"] == .int(42))
        }
    }

    @Test func openConversationsPerAdminMatchSearch() async throws {
        try await withSimulator { sim, _ in
            let truth = try await sim.truth()["conversations_per_admin"]!
            let admin = "991267003"
            let search = try await sim.post("/conversations/search", .object([("query", .object([
                ("operator", .string("AND")), ("value", .array([
                    .object([("field", .string("state")), ("operator", .string("=")), ("value", .string("open"))]),
                    .object([("field", .string("admin_assignee_id")), ("operator", .string("=")), ("value", .int(Int(admin)!))]),
                ])),
            ]))])).json()
            #expect(search["total_count"] == (truth[admin]?["open"] ?? .int(0)))
        }
    }

    @Test func controlSurfaceNeedsNoTokenButIntercomPathsDo() async throws {
        try await withSimulator { sim, _ in
            let open = try await sim.request(.GET, "/_simulator/truth", token: .some(nil))
            let guarded = try await sim.request(.GET, "/admins", token: .some(nil))
            #expect(open.status == 200)
            #expect(guarded.status == 401)
        }
    }
}
