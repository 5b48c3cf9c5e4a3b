import IntercomAPI
import MirrorStore
import Testing

/// The metric definitions on hand-made timelines, one behaviour per test.
@Suite struct ConversationMetricsTests {
    typealias Part = ConversationMetrics.Part

    /// A user writes at 1000; an admin answers, assigns to a team, the user writes twice, the admin answers, closes; the
    /// user reopens and a bot closes.
    static let timeline: [Part] = [
        Part(id: "1", partType: "comment", authorType: "admin", authorID: "a1", body: "<p>Hi</p>", createdAt: 1600),
        Part(id: "2", partType: "assignment", authorType: "admin", authorID: "a1", body: nil, createdAt: 1700,
             assignedToType: "team", assignedToID: "t5"),
        Part(id: "3", partType: "comment", authorType: "user", body: "still broken", createdAt: 2000),
        Part(id: "4", partType: "comment", authorType: "user", body: "hello?", createdAt: 2100),
        Part(id: "5", partType: "note", authorType: "admin", authorID: "a2", body: "internal", createdAt: 2200),
        Part(id: "6", partType: "comment", authorType: "admin", authorID: "a2", body: "fixed", createdAt: 2400),
        Part(id: "7", partType: "close", authorType: "admin", authorID: "a2", createdAt: 2500),
        Part(id: "8", partType: "open", authorType: "user", createdAt: 2600),
        Part(id: "9", partType: "close", authorType: "bot", authorID: "b1", createdAt: 2700),
    ]

    @Test func aUserStartedConversationTimesFromItsCreation() {
        let m = ConversationMetrics(.init(createdAt: 1000, sourceAuthorType: "user"), parts: Self.timeline.reversed())
        #expect(m.values["first_contact_message_at"] == 1000)
        #expect(m.values["first_admin_reply_at"] == 1600 && m.values["last_admin_reply_at"] == 2400)
        #expect(m.values["first_assignment_at"] == 1700 && m.values["count_assignments"] == 1)
        #expect(m.ids["first_team_id"] == "t5" && m.ids["last_team_id"] == "t5")
        #expect(m.values["first_close_at"] == 2500 && m.values["last_close_at"] == 2700)
        #expect(m.values["first_admin_close_at"] == 2500 && m.values["last_admin_close_at"] == 2500)
        #expect(m.ids["last_closed_by_admin_id"] == "a2")
        #expect(m.values["count_reopens"] == 1 && m.values["count_parts"] == 9)
        #expect(m.values["count_admin_replies"] == 2 && m.values["count_contact_replies"] == 2)
        #expect(m.values["time_to_first_assignment"] == 700 && m.values["time_to_first_response"] == 600)
        #expect(m.values["time_to_first_close"] == 1500 && m.values["time_to_last_close"] == 1700)
        // Replies after waits of 600 (from 1000) and 400 (from 2000, the first unanswered message): the lower middle.
        #expect(m.values["median_time_to_reply"] == 400)
    }

    @Test func anAdminStartedConversationWaitsForTheContactsFirstMessage() {
        let parts = [
            Part(id: "1", partType: "comment", authorType: "lead", body: "who are you", createdAt: 5000),
            Part(id: "2", partType: "comment", authorType: "bot", body: "I am a bot", createdAt: 5010),
            Part(id: "3", partType: "comment", authorType: "admin", authorID: "a1", body: "   ", createdAt: 5020),
            Part(id: "4", partType: "comment", authorType: "admin", authorID: "a1", body: "a person", createdAt: 5100),
        ]
        let m = ConversationMetrics(.init(createdAt: 4000, sourceAuthorType: "admin"), parts: parts)
        #expect(m.values["first_contact_message_at"] == 5000)
        // Bots and empty bodies are not replies; the reply time counts from creation, the wait from the lead's message.
        #expect(m.values["first_admin_reply_at"] == 5100 && m.values["time_to_first_response"] == 1100)
        #expect(m.values["median_time_to_reply"] == 100)
        #expect(m.values["first_close_at"] == nil && m.values["time_to_first_close"] == nil && m.values["count_reopens"] == 0)
    }

    @Test func tiesInTimeAreBrokenByPartIDAsANumber() {
        let parts = [
            Part(id: "10", partType: "assignment", authorType: "admin", createdAt: 100, assignedToType: "team", assignedToID: "second"),
            Part(id: "9", partType: "assignment", authorType: "admin", createdAt: 100, assignedToType: "team", assignedToID: "first"),
        ]
        let m = ConversationMetrics(.init(createdAt: 50, sourceAuthorType: "user"), parts: parts)
        #expect(m.ids["first_team_id"] == "first" && m.ids["last_team_id"] == "second")
    }

    @Test func intercomsStatisticsSitBesideOurs() throws {
        let statistics = try JSON.parse(Array(#"{"time_to_admin_reply": 42, "count_reopens": 3, "last_closed_by_id": 77}"#.utf8))
        let m = ConversationMetrics(.init(createdAt: 1, sourceAuthorType: "user", partsTruncated: true, statistics: statistics), parts: [])
        #expect(m.values["intercom_time_to_admin_reply"] == 42 && m.values["intercom_count_reopens"] == 3)
        #expect(m.ids["intercom_last_closed_by_id"] == "77" && m.partsTruncated)
        #expect(m.values["intercom_median_time_to_reply"] == nil)
    }

    /// Every value the computation produces has a column in the catalog's table, so none is silently dropped.
    @Test func everyComputedValueHasACatalogColumn() {
        let statistics = JSON.object(ConversationMetrics.intercomStatistics.map { ($0, JSON.int(1)) } + [("last_closed_by_id", .int(1))])
        let m = ConversationMetrics(.init(createdAt: 1000, sourceAuthorType: "user", statistics: statistics), parts: Self.timeline)
        let columns = Set(TableSpec.conversationMetrics.columns.map(\.name))
        for name in Array(m.values.keys) + Array(m.ids.keys) { #expect(columns.contains(name), "\(name)") }
        #expect(m.values.count + m.ids.count + 2 == columns.count, "conversation_id and parts_truncated are the other two")
    }
}
