import IntercomAPI
import IntercomSimulator
import NIOHTTP1
import Testing

/// Access that differs per app, plan and region, and schema drift: `--deny`, `--drift-share` and `/_simulator/config`.
@Suite struct AccessTrapTests {
    func code(_ response: SimResponse) throws -> JSON? { try response.json()["errors"]?.arrayValue?.first?["code"] }

    @Test func deniedScopesAnswerAsIntercomDoes() async throws {
        var options = smallOptions()
        options.denials = ["articles": .removed, "contact_notes": .tokenUnauthorized, "conversations": .planRestricted,
                           "tags": .forbidden]
        try await withSimulator(options) { sim, _ in
            let contact = try #require(try await sim.get("/contacts?per_page=1").json()["data"]?.arrayValue?.first?["id"]?.stringValue)
            let cases: [(String, Int, String)] = [
                ("/articles", 404, "not_found"), ("/contacts/\(contact)/notes", 401, "token_unauthorized"),
                ("/conversations", 403, "api_plan_restricted"), ("/conversations/search", 403, "api_plan_restricted"),
                ("/conversations/deleted", 403, "api_plan_restricted"), ("/tags", 403, "forbidden"),
            ]
            for (path, status, expected) in cases {
                let response = path.hasSuffix("/search")
                    ? try await sim.post(path, .object([("query", .object([("field", .string("updated_at")), ("operator", .string(">")), ("value", .int(0))]))]))
                    : try await sim.get(path)
                #expect(response.status == status, "\(path)")
                #expect(try code(response) == .string(expected), "\(path)")
                #expect(response.header("X-RateLimit-Limit") != nil, "\(path): refused after auth, like Intercom")
            }
            // What is not denied still answers, and /me always does.
            for path in ["/me", "/contacts/\(contact)", "/contacts?per_page=1", "/admins"] {
                #expect(try await sim.get(path).status == 200, "\(path)")
            }
            // The control surface replaces the denials; an empty object lifts them.
            _ = try await sim.control(.POST, "/config", .object([("deny", .object([("admins", .int(401))]))]))
            #expect(try await sim.get("/articles").status == 200)
            #expect(try code(try await sim.get("/admins")) == .string("token_unauthorized"))
            _ = try await sim.control(.POST, "/config", .object([("deny", .object([]))]))
            #expect(try await sim.get("/admins").status == 200)
        }
    }

    @Test func denialsOutsideTheKnownScopesAreRefused() throws {
        #expect(throws: SimulatorError.self) { try AccessScopeName.parse("articels=404") }
        #expect(throws: SimulatorError.self) { try AccessScopeName.parse("articles=502") }
        #expect(try AccessScopeName.parse("articles=removed,events=401,teams=500") == ["articles": .removed, "events": .tokenUnauthorized,
                                                                                      "teams": .down])
    }

    @Test func driftChangesTypesOfAShareOfObjectsButNeverTheirIds() async throws {
        let plain = smallOptions()
        let drifting = { var o = plain; o.driftShare = 0.3; return o }()
        try await withSimulator(plain) { clean, _ in
            try await withSimulator(drifting) { sim, _ in
                let before = try #require(try await clean.get("/contacts?per_page=100").json()["data"]?.arrayValue)
                let after = try #require(try await sim.get("/contacts?per_page=100").json()["data"]?.arrayValue)
                #expect(before.map { $0["id"] } == after.map { $0["id"] })
                // Objects chosen for drift carry the unknown field; nested objects with ids of their own (tags,
                // companies, notes) are chosen on their own, so only top-level scalars are compared here.
                func scalars(_ json: JSON) -> [(String, JSON)] {
                    guard case let .object(members) = json else { return [] }
                    return members.filter { if case .object = $0.1 { false } else if case .array = $0.1 { false } else { true } }
                }
                let chosen = zip(before, after).filter { $0.1["x_simulator_unknown_field"] != nil }
                #expect(chosen.count >= 10 && chosen.count < 60, "\(chosen.count) of 100 chosen at a 30% share")
                for (old, new) in chosen {
                    #expect(scalars(old).contains { key, value in key != "id" && new[key]?.kindName != value.kindName })
                }
                for (old, new) in zip(before, after) where new["x_simulator_unknown_field"] == nil {
                    #expect(scalars(old).elementsEqual(scalars(new)) { $0.0 == $1.0 && $0.1 == $1.1 })
                }
                // The same object drifts the same way on every call.
                #expect(try await sim.get("/contacts?per_page=100").json()["data"]?.arrayValue == after)
                #expect(try await sim.get("/me").json() == (try await clean.get("/me").json()))
            }
        }
    }
}
