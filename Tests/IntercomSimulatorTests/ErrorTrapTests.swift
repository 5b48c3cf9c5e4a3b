import IntercomAPI
import IntercomSimulator
import NIOHTTP1
import Testing

/// 401, 404 and 410 answer with Intercom's `error.list`; ids are strings beside integer assignees.
@Suite struct ErrorTrapTests {
    func firstErrorCode(_ response: SimResponse) throws -> JSON? {
        try response.json()["errors"]?.arrayValue?.first?["code"]
    }

    @Test func wrongOrMissingTokenGets401ErrorList() async throws {
        try await withSimulator { sim, _ in
            for token: String? in ["wrong", nil] {
                let response = try await sim.get("/contacts?per_page=150", token: .some(token))
                #expect(response.status == 401)
                #expect(try response.json()["type"] == .string("error.list"))
                #expect(try firstErrorCode(response) == .string("unauthorized"))
                #expect(response.header("X-RateLimit-Limit") == nil)
            }
        }
    }

    @Test func unknownIdsGet404NotFound() async throws {
        try await withSimulator { sim, _ in
            for path in ["/contacts/nope", "/companies/nope", "/conversations/999999", "/admins/1", "/teams/1"] {
                let response = try await sim.get(path)
                #expect(response.status == 404, "\(path)")
                #expect(try firstErrorCode(response) == .string("not_found"), "\(path)")
            }
        }
    }

    @Test func mergedContactGets410WithLinkToTheSurvivor() async throws {
        try await withSimulator { sim, workspace in
            let (lead, user) = workspace.read { s in
                (s.contacts.first { $0.role == "lead" }!.id, s.contacts.first { $0.role == "user" }!.id)
            }
            try await sim.control(.POST, "/contacts/\(lead)/merge", .object([("into", .string(user))]))
            let response = try await sim.get("/contacts/\(lead)")
            #expect(response.status == 410)
            #expect(try firstErrorCode(response) == .string("contact_merged"))
            #expect(response.header("Link")?.contains("/contacts/\(user)") == true)
            #expect(try await sim.get("/contacts/\(user)").status == 200)
        }
    }

    @Test func deletedAndArchivedContactsVanishFromGetListAndSearch() async throws {
        try await withSimulator { sim, workspace in
            let (deleted, archived) = workspace.read { ($0.contacts[1].id, $0.contacts[2].id) }
            try await sim.control(.DELETE, "/contacts/\(deleted)")
            try await sim.control(.POST, "/contacts/\(archived)/archive")
            for id in [deleted, archived] {
                #expect(try await sim.get("/contacts/\(id)").status == 404)
                let search = try await sim.post("/contacts/search", .object([("query", .object([
                    ("field", .string("id")), ("operator", .string("=")), ("value", .string(id)),
                ]))])).json()
                #expect(search["total_count"] == .int(0))
            }
            let first = try await sim.get("/contacts?per_page=10").json()["data"]!.arrayValue!.map { $0["id"]!.stringValue! }
            #expect(!first.contains(deleted) && !first.contains(archived))
            #expect(try await sim.truth()["contacts"]?["total"] == .int(398))
        }
    }

    @Test func assigneeIdsAreIntegersWhileAdminIdsAreStrings() async throws {
        try await withSimulator { sim, _ in
            let admins = try await sim.get("/admins").json()["admins"]!.arrayValue!
            #expect(admins.allSatisfy { if case .string = $0["id"]! { true } else { false } })
            let conversations = try await sim.get("/conversations?per_page=150").json()["conversations"]!.arrayValue!
            var sawInteger = false, sawZero = false, sawNull = false
            for c in conversations {
                switch c["admin_assignee_id"] {
                case .int(0)?: sawZero = true
                case let .int(id)?:
                    sawInteger = true
                    #expect(admins.contains { $0["id"] == .string(String(id)) })
                case .null?: sawNull = true
                default: Issue.record("admin_assignee_id must be an integer, 0 or null")
                }
                #expect(c["id"]?.stringValue.flatMap { Int($0) } != nil, "conversation ids are numeric strings")
            }
            #expect(sawInteger && sawZero && sawNull)
        }
    }
}
