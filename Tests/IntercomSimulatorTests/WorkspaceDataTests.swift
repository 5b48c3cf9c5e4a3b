import IntercomAPI
import Foundation
import IntercomSimulator
import NIOHTTP1
import Testing

/// The seeded workspace: deterministic, realistic and nasty.
@Suite struct WorkspaceDataTests {
    @Test func sameSeedGivesTheSameWorkspace() async throws {
        let a = try await withSimulator(smallOptions(seed: 3)) { sim, _ in try await sim.get("/contacts?per_page=50").body }
        let b = try await withSimulator(smallOptions(seed: 3)) { sim, _ in try await sim.get("/contacts?per_page=50").body }
        let c = try await withSimulator(smallOptions(seed: 4)) { sim, _ in try await sim.get("/contacts?per_page=50").body }
        #expect(a == b)
        #expect(a != c)
    }

    @Test func dataIsNasty() {
        let workspace = Workspace(options: smallOptions())
        workspace.read { s in
            let names = s.contacts.compactMap(\.name)
            #expect(names.contains { $0.unicodeScalars.contains { (0x0590...0x06FF).contains($0.value) } }, "right-to-left text")
            #expect(names.contains { $0.unicodeScalars.contains { $0.properties.isEmoji && $0.value > 0x2000 } }, "emoji")
            #expect(names.contains { $0.count > 1_000 }, "very long strings")
            #expect(s.contacts.contains { $0.role == "lead" && $0.name == nil && $0.email == nil }, "null-heavy leads")
            let emails = s.contacts.compactMap(\.email)
            #expect(Set(emails).count < emails.count, "duplicate emails")
            let keys = Set(s.contacts.flatMap { $0.customAttributes.map(\.0) })
            #expect(keys.contains { $0.contains(".") } && keys.contains { $0.contains(" ") } && keys.contains { $0.contains("🎉") })
            let seats = s.contacts.compactMap { $0.customAttributes.first { $0.0 == "seats" }?.1 }
            #expect(seats.contains { if case .int = $0 { true } else { false } } && seats.contains { $0.stringValue != nil }, "mixed types")
            #expect(Set(s.contacts.map(\.role)) == ["user", "lead"])
            #expect(s.conversations.contains { $0.contactIds.count > 1 }, "multi-contact conversations")
            #expect(s.conversations.contains { $0.sourceBody.contains("<a href") }, "HTML bodies")
            let partTypes = Set(s.conversations.prefix(100).flatMap { s.seededParts(of: $0).map(\.partType) })
            #expect(partTypes.count >= 10, "part types: \(partTypes)")
        }
    }

    @Test func partsReadThroughTheAPIEqualGroundTruth() async throws {
        try await withSimulator { sim, _ in
            var total = 0
            var path = "/conversations?per_page=150"
            while true {
                let page = try await sim.get(path).json()
                for c in page["conversations"]!.arrayValue! {
                    let full = try await sim.get("/conversations/\(c["id"]!.stringValue!)").json()
                    total += try full.require("conversation_parts.total_count").intValue!
                }
                guard let next = page["pages"]?["next"]?["starting_after"]?.stringValue else { break }
                path = "/conversations?per_page=150&starting_after=\(next)"
            }
            #expect(try await sim.truth()["conversation_parts"]?.intValue == total)
        }
    }

    @Test func segmentCountsMatchGroundTruth() async throws {
        try await withSimulator { sim, _ in
            let segments = try await sim.get("/segments?include_count=true").json()["segments"]!.arrayValue!
            let truth = try await sim.truth()["contacts_per_segment"]!
            for segment in segments {
                #expect(segment["count"] == (truth[segment["id"]!.stringValue!] ?? .int(0)))
            }
            let withoutCount = try await sim.get("/segments").json()["segments"]!.arrayValue!
            #expect(withoutCount.allSatisfy { $0["count"] == nil })
        }
    }
}
