import IntercomAPI
import Foundation
import IntercomSimulator
import NIOHTTP1
import Testing

/// Contact search is day-granular in the workspace timezone; conversation search is inclusive.
@Suite struct SearchTrapTests {
    func filter(_ field: String, _ op: String, _ value: JSON) -> JSON {
        .object([("field", .string(field)), ("operator", .string(op)), ("value", value)])
    }

    func searchIds(_ sim: SimClient, _ model: String, _ query: JSON) async throws -> [String] {
        let body = try await sim.post("/\(model)/search", .object([("query", query), ("pagination", .object([("per_page", .int(150))]))])).json()
        let key = model == "contacts" ? "data" : "conversations"
        return try body.require(key).arrayValue!.map { $0["id"]!.stringValue! }
    }

    /// 2026-03-10T18:00:00Z: 10:00 on the same day in Los Angeles.
    static let sameDay = 1_773_165_600

    @Test func sameDayChangeIsInvisibleToGreaterThan() async throws {
        try await withSimulator { sim, workspace in
            let id = workspace.read { $0.contacts[5].id }
            try await sim.control(.PATCH, "/contacts/\(id)", .object([("updated_at", .int(Self.sameDay))]))
            // An hour before the change, same local day: day-granular search starts at the next midnight.
            let naive = try await searchIds(sim, "contacts", filter("updated_at", ">", .int(Self.sameDay - 3_600)))
            #expect(!naive.contains(id))
            // From the previous day, it is found.
            let overlapping = try await searchIds(sim, "contacts", filter("updated_at", ">", .int(Self.sameDay - 86_400)))
            #expect(overlapping.contains(id))
            let equal = try await searchIds(sim, "contacts", filter("updated_at", "=", .int(Self.sameDay - 3_600)))
            #expect(equal.contains(id))
        }
    }

    @Test(arguments: [">=", "<=", "!=", "IN", "NIN"])
    func dateOperatorsOtherThanEqualsGreaterLessAreErrors(op: String) async throws {
        try await withSimulator { sim, _ in
            let value: JSON = op == "IN" || op == "NIN" ? .array([.int(Self.sameDay)]) : .int(Self.sameDay)
            let response = try await sim.post("/contacts/search", .object([("query", filter("updated_at", op, value))]))
            #expect(response.status == 400)
            #expect(try response.json()["type"] == .string("error.list"))
        }
    }

    @Test func dayBoundaryFollowsTheWorkspaceTimezone() async throws {
        // 2026-03-10T16:00Z is already 2026-03-11 01:00 in Tokyo but still 2026-03-10 in UTC.
        let change = 1_773_158_400
        let query = filter("updated_at", ">", .int(1_773_136_800))  // 2026-03-10T10:00Z
        for (zone, found) in [("Asia/Tokyo", true), ("UTC", false)] {
            var options = smallOptions()
            options.timezone = zone
            try await withSimulator(options) { sim, workspace in
                let id = workspace.read { $0.contacts[3].id }
                try await sim.control(.PATCH, "/contacts/\(id)", .object([("updated_at", .int(change))]))
                #expect(try await searchIds(sim, "contacts", query).contains(id) == found, "timezone \(zone)")
            }
        }
    }

    @Test func conversationSearchTreatsGreaterThanAsInclusive() async throws {
        try await withSimulator { sim, workspace in
            let (id, updated) = workspace.read { ($0.conversations[7].id, $0.conversations[7].updatedAt) }
            let after = try await searchIds(sim, "conversations", filter("updated_at", ">", .int(updated)))
            let before = try await searchIds(sim, "conversations", filter("updated_at", "<", .int(updated)))
            #expect(after.contains(id))
            #expect(before.contains(id))
        }
    }

    @Test func indexLagHidesFreshChangesFromSearchButNotFromGet() async throws {
        try await withSimulator { sim, workspace in
            try await sim.control(.POST, "/config", .object([("search_index_lag", .int(120))]))
            let id = workspace.read { $0.contacts[9].id }
            try await sim.control(.PATCH, "/contacts/\(id)", .object([("name", .string("Fresh Name"))]))
            let query = filter("name", "=", .string("Fresh Name"))
            #expect(try await searchIds(sim, "contacts", query).isEmpty)
            #expect(try await sim.get("/contacts/\(id)").json()["name"] == .string("Fresh Name"))
            try await sim.control(.POST, "/config", .object([("advance_clock", .int(121))]))
            #expect(try await searchIds(sim, "contacts", query) == [id])
        }
    }

    @Test func nestingAndGroupLimitsAreEnforced() async throws {
        try await withSimulator { sim, _ in
            let leaf = filter("role", "=", .string("user"))
            let tooDeep: JSON = .object([("operator", .string("AND")), ("value", .array([
                .object([("operator", .string("OR")), ("value", .array([
                    .object([("operator", .string("AND")), ("value", .array([leaf]))]),
                ]))]),
            ]))])
            let deep = try await sim.post("/contacts/search", .object([("query", tooDeep)]))
            #expect(deep.status == 400)
            let tooWide: JSON = .object([("operator", .string("OR")), ("value", .array(Array(repeating: leaf, count: 16)))])
            let wide = try await sim.post("/contacts/search", .object([("query", tooWide)]))
            #expect(wide.status == 400)
            let fine: JSON = .object([("operator", .string("AND")), ("value", .array([leaf, filter("email", "~", .string("person"))]))])
            let accepted = try await sim.post("/contacts/search", .object([("query", fine)]))
            #expect(accepted.status == 200)
        }
    }

    @Test func searchTotalsMatchGroundTruth() async throws {
        try await withSimulator { sim, _ in
            let users = try await sim.post("/contacts/search", .object([("query", filter("role", "=", .string("user")))])).json()
            let truth = try await sim.truth()
            #expect(users["total_count"] == truth["contacts"]?["user"])
            let open = try await sim.post("/conversations/search", .object([("query", filter("state", "=", .string("open")))])).json()
            #expect(open["total_count"] == truth["conversations"]?["by_state"]?["open"])
        }
    }
}
