import IntercomAPI
import IntercomSimulator
import Testing

/// Seeded conversations read like support exchanges, and their `statistics` agree with their parts, judged from the
/// JSON the simulator serves.
@Suite struct TimelineTests {
    /// Every served conversation, whole.
    static func conversations(_ sim: SimClient) async throws -> [JSON] {
        var out: [JSON] = []
        var path = "/conversations?per_page=150"
        while true {
            let page = try await sim.get(path).json()
            for c in page["conversations"]?.arrayValue ?? [] {
                out.append(try await sim.get("/conversations/\(c["id"]?.stringValue ?? "")").json())
            }
            guard let next = page["pages"]?["next"]?["starting_after"]?.stringValue else { return out }
            path = "/conversations?per_page=150&starting_after=\(next)"
        }
    }

    @Test func partsAreInTimeOrderAndLeadToTheConversationsStateAndAssignee() async throws {
        try await withSimulator { sim, _ in
            var seen = Set<String>(), rated = 0, settled = 0
            for c in try await Self.conversations(sim) {
                let id = c["id"]?.stringValue ?? ""
                let parts = c["conversation_parts"]?["conversation_parts"]?.arrayValue ?? []
                let times = parts.map { $0["created_at"]?.intValue ?? 0 }
                let created = c["created_at"]?.intValue ?? 0, updated = c["updated_at"]?.intValue ?? 0
                #expect(times == times.sorted(), "conversation \(id): parts out of time order")
                #expect(times.allSatisfy { (created...updated).contains($0) }, "conversation \(id): a part outside its life")
                for p in parts {
                    let author = p["author"]?["type"]?.stringValue ?? ""
                    seen.insert("\(p["part_type"]?.stringValue ?? "") by \(author)")
                    if let to = p["assigned_to"]?["type"]?.stringValue { seen.insert("assigned to \(to)") }
                }
                // The last part that changes the state leaves the conversation in the state it is in.
                let changes = ["close": "closed", "open": "open", "unsnoozed": "open", "snoozed": "snoozed"]
                if let last = parts.last(where: { changes[$0["part_type"]?.stringValue ?? ""] != nil }) {
                    #expect(changes[last["part_type"]?.stringValue ?? ""] == c["state"]?.stringValue, "conversation \(id)")
                    settled += 1
                }
                if let to = parts.last(where: { $0["assigned_to"]?["type"]?.stringValue == "admin" })?["assigned_to"]?["id"]?.idValue,
                   let assignee = c["admin_assignee_id"]?.idValue, assignee != "0" {
                    #expect(to == assignee, "conversation \(id): the last assignment names another admin")
                }
                if let rating = c["conversation_rating"]?["rating"]?.intValue {
                    #expect((1...5).contains(rating) && c["state"]?.stringValue == "closed")
                    rated += 1
                }
            }
            for story in ["comment by user", "comment by admin", "comment by bot", "note by admin", "close by admin",
                          "open by user", "open by admin", "snoozed by admin", "unsnoozed by bot", "assigned to team",
                          "assigned to admin", "default_assignment by bot"] {
                #expect(seen.contains(story), "no \(story) in \(seen.sorted())")
            }
            #expect(rated > 0 && settled > 100)
        }
    }

    /// The statistics are recomputed here from the served parts, by the 2.16 description of each field.
    @Test func statisticsAgreeWithTheParts() async throws {
        try await withSimulator { sim, _ in
            var checked = 0
            for c in try await Self.conversations(sim) {
                let id = c["id"]?.stringValue ?? ""
                let stats = c["statistics"] ?? .null
                let parts = c["conversation_parts"]?["conversation_parts"]?.arrayValue ?? []
                let total = c["conversation_parts"]?["total_count"]?.intValue ?? 0
                #expect(stats["count_conversation_parts"]?.intValue == total, "conversation \(id)")
                guard parts.count == total else { continue }
                func at(_ p: JSON) -> Int { p["created_at"]?.intValue ?? 0 }
                func type(_ p: JSON) -> String { p["part_type"]?.stringValue ?? "" }
                func author(_ p: JSON) -> String { p["author"]?["type"]?.stringValue ?? "" }
                let created = c["created_at"]?.intValue ?? 0
                let contactOpened = ["user", "lead"].contains(c["source"]?["author"]?["type"]?.stringValue ?? "")
                let start = contactOpened ? created : parts.first { type($0) == "comment" && author($0) == "user" }.map(at)
                #expect(stats["first_contact_reply_at"]?.intValue == start, "conversation \(id)")
                guard let start else { continue }
                let after = parts.filter { at($0) >= start }
                // Intercom computed its statistics before a part was redacted: a redacted reply still counts.
                let replies = after.filter {
                    author($0) == "admin" && (type($0) == "comment" || type($0).contains("assignment"))
                        && (!($0["body"]?.stringValue ?? "").isEmpty || $0["redacted"] == .bool(true))
                }
                let closes = after.filter { type($0) == "close" }
                #expect(stats["first_admin_reply_at"]?.intValue == replies.first.map(at), "conversation \(id)")
                #expect(stats["time_to_admin_reply"]?.intValue == replies.first.map { at($0) - start }, "conversation \(id)")
                #expect(stats["time_to_last_close"]?.intValue == closes.last.map { at($0) - start }, "conversation \(id)")
                #expect(stats["last_closed_by_id"]?.idValue == closes.last(where: { author($0) == "admin" })?["author"]?["id"]?.idValue)
                #expect(stats["count_reopens"]?.intValue == after.filter { type($0) == "open" }.count, "conversation \(id)")
                #expect(stats["count_assignments"]?.intValue == after.filter { type($0).contains("assignment") }.count)
                checked += 1
            }
            #expect(checked > 100)
        }
    }
}
