import IntercomAPI
import Foundation

/// What a seeded conversation's parts lead to, fixed when the workspace is built so that later mutations of the
/// conversation (a state change, a reassignment) do not rewrite its history.
public struct SeededOutcome: Sendable {
    /// The state the seeded parts leave the conversation in.
    public var state: String
    /// The admin and team the last seeded assignments name.
    public var adminId: String?
    public var teamId: String?
    /// Whether a contact wrote the opening message (otherwise an admin did: an outbound conversation).
    public var contactOpened: Bool
}

/// A seeded conversation's parts as a support exchange in time order: a contact writes, a bot or an admin answers
/// after a believable wait, assignments, notes, snoozes, closes and reopens follow from the state the conversation
/// is in, and the last part leaves it in its seeded state with its seeded assignees.
struct Timeline {
    /// Intercom's bot teammate writes as author type `bot`; its id is an admin id outside the workspace's list.
    static let botId = "991266999"
    static let adminBodies = ["<p>Thanks! 👍</p>", "<p>We're looking into it &amp; will reply.</p>",
                              "<p dir=\"rtl\">شكرا لك</p>", "<p>Could you send a screenshot?</p>"]
    static let contactBodies = ["<p>Any news?</p>", "<p>Here is the screenshot 📷</p>", "<p>Still broken 😭</p>",
                                "<p dir=\"rtl\">هل من جديد؟</p>", "<p>Thanks, that worked!</p>"]
    static let botBodies = ["<p>Our team typically replies in a few hours.</p>", "<p>Did this article help? 📘</p>"]
    static let noteBodies = ["<p>Customer on the <b>gold</b> plan</p>", "<p>Escalating to billing 💳</p>"]
    /// Part types that change nothing the metrics count, sprinkled in as real conversations have them.
    static let sideEvents = ["participant_added", "conversation_attribute_updated_by_admin", "language_detection_details",
                             "custom_action_finished", "conversation_rating_changed_by_user"]

    let conversation: SimConversation
    let admins: [SimAdmin]
    let teams: [SimTeam]

    /// The parts, ids in time order, none later than the generator's anchor.
    func parts() -> [SimPart] {
        var r = SeededRandom(seed: conversation.partSeed)
        let outcome = conversation.seededOutcome
        let count = conversation.seededPartCount
        let base = UInt64(conversation.seq + 1) * 1_000_000
        var state = "open"
        var waiting = outcome.contactOpened
        var at = conversation.createdAt
        var parts: [SimPart] = []
        parts.reserveCapacity(count)

        func admin() -> String { outcome.adminId.flatMap { id in r.chance(0.7) ? id : nil } ?? r.pick(admins).id }
        func add(_ type: String, by author: String, _ authorId: String, body: String? = nil, after gap: Int,
                 to target: (type: String, id: String)? = nil) {
            at += max(1, gap)
            parts.append(SimPart(
                id: String(base + UInt64(parts.count)), partType: type, body: body, createdAt: at, authorType: author,
                authorId: authorId, assignedTo: target, attachmentCount: type == "comment" && r.chance(0.05) ? r.int(1...2) : 0,
                redacted: r.chance(0.005)))
        }
        func adminReply() {
            // An attachment-only reply has an empty body: it is not a reply the metrics count.
            add("comment", by: "admin", admin(), body: r.chance(0.03) ? "" : r.pick(Self.adminBodies), after: wait(&r))
            waiting = false
        }
        func contactWrites() {
            add("comment", by: "user", conversation.contactIds[0], body: r.pick(Self.contactBodies), after: r.int(60...14_400))
            waiting = true
        }
        func assign() {
            let toTeam = !teams.isEmpty && r.chance(0.35)
            let target = toTeam ? (type: "team", id: r.pick(teams).id) : (type: "admin", id: r.pick(admins).id)
            let type = r.pick(["assignment", "assignment", "default_assignment", "away_mode_assignment"])
            let withMessage = type == "assignment" && r.chance(0.25)
            add(type, by: type == "assignment" ? "admin" : "bot", type == "assignment" ? admin() : Self.botId,
                body: withMessage ? "<p>Over to you</p>" : nil, after: r.int(30...3_600), to: target)
            if withMessage { waiting = false }
        }
        func setState(_ type: String, _ next: String, by author: String? = nil) {
            let who = author ?? (r.chance(0.1) ? "bot" : "admin")
            add(type, by: who, who == "admin" ? admin() : who == "bot" ? Self.botId : conversation.contactIds[0],
                after: r.int(60...86_400))
            state = next
        }

        // Every part but the last follows from the state; a step adds one part, or two when room is left.
        while parts.count < count - 1 {
            let first = parts.isEmpty, roomForTwo = parts.count + 2 < count
            switch state {
            case "closed":
                if roomForTwo && r.chance(0.5) { setState("open", "open", by: "user"); contactWrites() } else { setState("open", "open") }
            case "snoozed":
                setState("unsnoozed", "open", by: "bot")
            default:
                let roll = r.int(0...99)
                if first && outcome.contactOpened && roll < 40 {
                    if r.chance(0.5) { assign() } else { add("comment", by: "bot", Self.botId, body: r.pick(Self.botBodies), after: r.int(1...30)) }
                } else if waiting {
                    switch roll {
                    case 0..<50: adminReply()
                    case 50..<65: assign()
                    case 65..<75: add("note", by: "admin", admin(), body: r.pick(Self.noteBodies), after: r.int(60...3_600))
                    case 75..<82: setState("close", "closed")
                    case 82..<87: setState("snoozed", "snoozed")
                    default: add(r.pick(Self.sideEvents), by: "admin", admin(), after: r.int(10...600))
                    }
                } else {
                    switch roll {
                    case 0..<35: contactWrites()
                    case 35..<65: setState("close", "closed")
                    case 65..<75: add("note", by: "admin", admin(), body: r.pick(Self.noteBodies), after: r.int(60...3_600))
                    case 75..<82: setState("snoozed", "snoozed")
                    case 82..<90: adminReply()
                    default: add(r.pick(Self.sideEvents), by: "admin", admin(), after: r.int(10...600))
                    }
                }
            }
        }
        if parts.count < count {
            // The last part settles the conversation in its seeded state.
            switch (outcome.state, state) {
            case ("closed", let now) where now != "closed": setState("close", "closed")
            case ("snoozed", let now) where now != "snoozed": setState("snoozed", "snoozed")
            case ("open", "closed"): setState("open", "open")
            case ("open", "snoozed"): setState("unsnoozed", "open")
            default: add("note", by: "admin", admin(), body: r.pick(Self.noteBodies), after: r.int(60...3_600))
            }
        }
        settleAssignees(&parts, outcome)
        return clamped(parts)
    }

    /// The last assignment to an admin names the seeded admin, the last to a team the seeded team.
    func settleAssignees(_ parts: inout [SimPart], _ outcome: SeededOutcome) {
        if let admin = outcome.adminId, let i = parts.lastIndex(where: { $0.assignedTo?.type == "admin" }) {
            parts[i].assignedTo = (type: "admin", id: admin)
        }
        if let team = outcome.teamId, let i = parts.lastIndex(where: { $0.assignedTo?.type == "team" }) {
            parts[i].assignedTo = (type: "team", id: team)
        }
    }

    /// Seeded data lies before the generator's anchor: a history that would run past it is compressed to fit, order kept.
    func clamped(_ parts: [SimPart]) -> [SimPart] {
        let created = conversation.createdAt
        guard let last = parts.last?.createdAt, last > Generator.anchor else { return parts }
        let room = Double(Generator.anchor - created), span = Double(last - created)
        return parts.map { part in
            var part = part
            part.createdAt = created + Int((Double(part.createdAt - created) * room / span).rounded(.down))
            return part
        }
    }

    /// How long an admin takes to answer: log-uniform from a minute to two days, as support queues vary.
    func wait(_ r: inout SeededRandom) -> Int {
        Int(exp(Double.random(in: log(60.0)...log(172_800.0), using: &r)))
    }
}
