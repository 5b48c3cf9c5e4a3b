import IntercomAPI
import Foundation

/// Builds a seeded workspace: realistic and nasty data, the same for the same seed.
public struct Generator {
    let options: SimulatorOptions
    /// Seeded timestamps lie in the three years before 2026-01-01, so a seed gives the same data any day.
    static let anchor = 1_767_225_600
    static let span = 3 * 365 * 86_400

    static let firstNames = ["Ada", "Zoë", "José", "Björk", "Ōtani", "李", "محمد", "Ελένη", "Renée", "O'Brien",
                             "Nguyễn", "Søren", "Łukasz", "Chloé", "Иван", "שרה", "Aarav", "Mei", "Kwame", "Émile",
                             "😀 Smiley", "Robert'); DROP TABLE contacts;--", "<b>Bold</b>", "Null", "  Padded  "]
    static let lastNames = ["Lovelace", "Ångström", "Müller", "García", "王", "الأحمد", "Παπαδόπουλος", "Dubois",
                            "Kowalski", "Smith", "Tanaka", "Okafor", "Иванов", "כהן", "Patel", "D'Angelo", "🚀", ""]
    static let domains = ["example.com", "exämple.org", "mail.co.uk", "startup.io", "xn--bcher-kva.example", "corp.test"]
    static let cities: [(String, String, String)] = [
        ("United States", "California", "San Francisco"), ("Ireland", "Dublin", "Dublin"),
        ("Japan", "Tokyo", "東京"), ("Egypt", "Cairo", "القاهرة"), ("Brazil", "São Paulo", "São Paulo"),
        ("Germany", "Bayern", "München"), ("Israel", "Tel Aviv", "תל אביב"),
    ]
    static let industries = ["Software", "Retail", "Fintech", "Health & Wellness", "Éducation", "物流", nil]
    /// Custom attribute keys with dots, spaces and emoji, as real workspaces have.
    static let contactAttributeKeys: [(String, String)] = [
        ("plan", "string"), ("mrr", "float"), ("seats", "integer"), ("is_beta", "boolean"),
        ("signup.source", "string"), ("favourite color", "string"), ("🎉 launch", "string"),
        ("last_invoice_at", "date"), ("nps", "integer"), ("region.code", "string"),
    ]
    static let companyAttributeKeys: [(String, String)] = [
        ("tier", "string"), ("arr", "float"), ("employees.remote", "integer"), ("renewal date", "date"),
        ("🌍 region", "string"),
    ]

    func timestamp(_ rng: inout SeededRandom) -> Int { Generator.anchor - rng.int(0...Generator.span) }

    func build() -> WorkspaceState {
        var state = WorkspaceState()
        var rng = SeededRandom(seed: options.seed, stream: 0)
        let seedStamp = hex(options.seed & 0xFFFF_FFFF, width: 8)

        // Admins and teams: ids are numeric strings, as assignee ids are integers.
        for i in 0..<12 {
            let first = rng.pick(Generator.firstNames)
            state.admins.append(SimAdmin(
                id: String(991_267_000 + i), name: "\(first) Admin\(i)", email: "admin\(i)@workspace.example",
                jobTitle: rng.pick(["Support", "Success Manager", "Engineer", "Head of Support"]),
                awayModeEnabled: rng.chance(0.2), hasInboxSeat: i < 10, teamIds: []))
        }
        for t in 0..<4 {
            let members = state.admins.indices.filter { $0 % 4 == t || $0 % 5 == t }.map { state.admins[$0].id }
            state.teams.append(SimTeam(id: String(5_017_000 + t), name: ["Tier 1", "Billing 💳", "Enterprise", "العربية"][t],
                                       adminIds: members))
        }
        for index in state.admins.indices {
            state.admins[index].teamIds = state.teams.filter { $0.adminIds.contains(state.admins[index].id) }.map(\.id)
        }
        for i in 0..<40 {
            state.tags.append(SimTag(id: String(80 + i), name: i % 7 == 3 ? "VIP ⭐ \(i)" : "tag-\(i)"))
        }
        for i in 0..<10 {
            let created = timestamp(&rng)
            state.segments.append(SimSegment(id: seedStamp + "5e9" + hex(UInt64(i), width: 13), name: "Segment \(i)",
                                             createdAt: created, updatedAt: created + 3600,
                                             personType: i % 2 == 0 ? "user" : "contact"))
        }

        // Companies: a tenth have no users, which hides them from listings.
        for seq in 0..<options.companies {
            var r = SeededRandom(seed: options.seed, stream: 1_000_000 + UInt64(seq))
            let created = timestamp(&r)
            let custom: [(String, JSON)] = Generator.companyAttributeKeys.compactMap { key, type in
                r.chance(0.3) ? nil : (key, value(type: type, &r))
            }
            state.companies.append(SimCompany(
                seq: seq, id: seedStamp + "c0" + hex(UInt64(seq), width: 14), companyId: "company-\(seq)",
                name: r.chance(0.05) ? String(repeating: "Long Name Ltd ", count: 40) : "\(r.pick(Generator.lastNames)) \(r.pick(["Inc", "GmbH", "株式会社", "LLC", "& Co"]))",
                plan: r.chance(0.7) ? (id: String(269_315 + r.int(0...3)), name: r.pick(["Free", "Pro", "Premium", "Enterprise"])) : nil,
                createdAt: created, remoteCreatedAt: created - r.int(0...86_400 * 90),
                updatedAt: min(Generator.anchor, created + r.int(0...86_400 * 200)),
                lastRequestAt: r.chance(0.8) ? created + r.int(0...86_400 * 30) : nil, size: r.int(1...5000),
                website: r.chance(0.6) ? "https://company\(seq).example" : nil, industry: r.pick(Generator.industries),
                monthlySpend: r.int(0...20_000), sessionCount: r.int(0...900), customAttributes: custom,
                tagIds: (0..<r.int(0...3)).map { _ in state.tags[r.int(0...state.tags.count - 1)].id }.uniqued(),
                segmentIds: r.chance(0.3) ? [state.segments[r.int(0...state.segments.count - 1)].id] : []))
        }
        let companiesWithUsers = max(1, options.companies * 9 / 10)

        // Contacts: users and leads, null-heavy leads, duplicate emails, long strings, odd custom attributes.
        for seq in 0..<options.contacts {
            var r = SeededRandom(seed: options.seed, stream: 2_000_000 + UInt64(seq))
            let isUser = r.chance(0.7)
            let created = timestamp(&r)
            let updated = min(Generator.anchor, created + r.int(0...86_400 * 400))
            let nullHeavy = !isUser && r.chance(0.5)
            let first = r.pick(Generator.firstNames), last = r.pick(Generator.lastNames)
            var name: String? = nullHeavy ? nil : "\(first) \(last)"
            if r.chance(0.01) { name = String(repeating: "Ω", count: 3000) }
            // About 2% reuse an earlier contact's email, as duplicates do in real workspaces.
            let emailSeq = seq > 10 && r.chance(0.02) ? r.int(0...seq - 1) : seq
            let email: String? = nullHeavy && r.chance(0.7) ? nil : "person\(emailSeq)@\(Generator.domains[emailSeq % Generator.domains.count])"
            let city = r.pick(Generator.cities)
            let custom: [(String, JSON)] = nullHeavy ? [] : Generator.contactAttributeKeys.compactMap { key, type in
                if r.chance(0.25) { return nil }
                if r.chance(0.05) { return (key, .null) }
                // Mixed types under one key: "seats" is sometimes a string.
                if key == "seats", r.chance(0.1) { return (key, .string("\(r.int(1...50)) seats")) }
                return (key, value(type: type, &r))
            }
            let tagCount = r.chance(0.08) ? r.int(11...16) : r.int(0...3)
            let noteCount = r.chance(0.05) ? r.int(11...14) : (r.chance(0.3) ? r.int(1...3) : 0)
            var companyIds: [String] = []
            if isUser, options.companies > 0 {
                let n = r.chance(0.02) ? r.int(11...13) : r.int(0...2)
                companyIds = (0..<n).map { _ in state.companies[r.int(0...companiesWithUsers - 1)].id }.uniqued()
            }
            let id = seedStamp + "a1" + hex(UInt64(seq), width: 14)
            var noteIds: [String] = []
            for n in 0..<noteCount {
                let noteId = String(state.notes.count + 1)
                let noteCreated = created + r.int(0...86_400 * 300)
                state.notes.append(SimNote(id: noteId, contactId: id, createdAt: min(noteCreated, Generator.anchor),
                                           authorId: state.admins[r.int(0...state.admins.count - 1)].id,
                                           body: n % 3 == 0 ? "<p>Called them ☎️ — <b>renewal</b> &amp; pricing</p>" : "<p>Note \(n) עם טקסט</p>"))
                noteIds.append(noteId)
            }
            state.contacts.append(SimContact(
                seq: seq, id: id, externalId: isUser ? "user-\(seq)" : nil, role: isUser ? "user" : "lead",
                email: email, phone: nullHeavy ? nil : (r.chance(0.5) ? "+1555\(hex(UInt64(seq), width: 7).filter(\.isNumber))" : nil),
                name: name, ownerId: r.chance(0.3) ? state.admins[r.int(0...state.admins.count - 1)].id : nil,
                hasHardBounced: r.chance(0.02), markedEmailAsSpam: r.chance(0.01), unsubscribedFromEmails: r.chance(0.1),
                createdAt: created, updatedAt: updated, signedUpAt: isUser ? created : nil,
                lastSeenAt: nullHeavy ? nil : updated - r.int(0...86_400), lastRepliedAt: r.chance(0.4) ? updated - 3600 : nil,
                lastContactedAt: r.chance(0.4) ? updated - 7200 : nil,
                browser: nullHeavy ? nil : r.pick(["chrome", "firefox", "safari"]), os: nullHeavy ? nil : r.pick(["OS X 14", "Windows 11", "Android 14", "iOS 17"]),
                languageOverride: r.chance(0.1) ? r.pick(["fr", "ar", "ja"]) : nil,
                avatarURL: r.chance(0.3) ? "https://static.example/avatars/\(seq).png" : nil,
                locationCountry: nullHeavy ? nil : city.0, locationRegion: nullHeavy ? nil : city.1, locationCity: nullHeavy ? nil : city.2,
                socialProfiles: r.chance(0.2) ? [(name: "Twitter", url: "https://twitter.com/p\(seq)")] + (r.chance(0.3) ? [(name: "LinkedIn", url: "https://linkedin.com/in/p\(seq)")] : []) : [],
                customAttributes: custom,
                tagIds: (0..<tagCount).map { _ in state.tags[r.int(0...state.tags.count - 1)].id }.uniqued(),
                companyIds: companyIds,
                segmentIds: (0..<r.int(0...2)).map { _ in state.segments[r.int(0...state.segments.count - 1)].id }.uniqued(),
                noteIds: noteIds))
        }

        // Conversations: multi-contact ones, string and integer assignees, every state, a few past 500 parts.
        for seq in 0..<options.conversations where !state.contacts.isEmpty {
            var r = SeededRandom(seed: options.seed, stream: 3_000_000 + UInt64(seq))
            let created = timestamp(&r)
            let author = state.contacts[r.int(0...state.contacts.count - 1)]
            var contactIds = [author.id]
            if r.chance(0.05) { contactIds.append(state.contacts[r.int(0...state.contacts.count - 1)].id) }
            let parts = r.chance(0.002) ? r.int(501...900) : r.count(mean: options.partsPerConversation)
            let state_ = r.pick(["open", "open", "closed", "closed", "closed", "snoozed"])
            let assigned = r.chance(0.75)
            let byAdmin = r.chance(0.2)
            let adminAssignee = assigned ? state.admins[r.int(0...state.admins.count - 1)].id : nil
            let teamAssignee = r.chance(0.5) ? state.teams[r.int(0...state.teams.count - 1)].id : nil
            var conversation = SimConversation(
                seq: seq, id: String(1_000 + seq), title: r.chance(0.3) ? "Help with \(r.pick(["billing", "login 🔐", "the API", "تسجيل الدخول"]))" : nil,
                createdAt: created, updatedAt: created, waitingSince: nil,
                snoozedUntil: state_ == "snoozed" ? Generator.anchor + 86_400 * 30 : nil,
                state: state_, read: r.chance(0.6), priority: r.pick(["none", "none", "none", "low", "medium", "high", "urgent"]),
                adminAssigneeId: adminAssignee, teamAssigneeId: teamAssignee,
                tagIds: (0..<r.int(0...2)).map { _ in state.tags[r.int(0...state.tags.count - 1)].id }.uniqued(),
                contactIds: contactIds, companyId: author.companyIds.first,
                customAttributes: r.chance(0.5) ? [("Order number", .string("#\(r.int(1000...99999))")), ("refund.amount", .double(Double(r.int(0...50000)) / 100))] : [],
                sourceSubject: r.chance(0.2) ? "Re: your invoice" : "",
                sourceBody: r.pick(["<p>Hi, I can't log in 😭</p>", "<p dir=\"rtl\">مرحبا، أحتاج مساعدة</p>",
                                     "<p>Hello <a href=\"https://example.com\">link</a> &amp; <img src=\"x.png\"></p>",
                                     "<p>" + String(repeating: "long message ", count: 400) + "</p>"]),
                sourceAuthorType: byAdmin ? "admin" : "user",
                sourceAuthorId: byAdmin ? state.admins[r.int(0...state.admins.count - 1)].id : contactIds[0],
                deliveredAs: byAdmin ? "admin_initiated" : r.pick(["customer_initiated", "customer_initiated", "automated"]),
                seededPartCount: parts, partSeed: r.next(),
                seededOutcome: SeededOutcome(state: state_, adminId: adminAssignee, teamId: teamAssignee, contactOpened: !byAdmin))
            settle(&conversation, &r, in: state)
            state.conversations.append(conversation)
        }

        for i in 0..<15 {
            var r = SeededRandom(seed: options.seed, stream: 4_000_000 + UInt64(i))
            let created = timestamp(&r)
            state.articles.append(SimArticle(id: String(6_871_000 + i), title: i == 3 ? "كيف تبدأ" : "How to \(i) 📘",
                                             body: "<h1>Article \(i)</h1><p>Body with <code>code</code></p>",
                                             authorId: state.admins[i % state.admins.count].id,
                                             state: i % 4 == 0 ? "draft" : "published", createdAt: created, updatedAt: created + 500))
        }
        var attributeId = 12_878
        for (model, keys) in [("contact", Generator.contactAttributeKeys), ("company", Generator.companyAttributeKeys)] {
            for standard in ["name", "email", "created_at"] where !(model == "company" && standard == "email") {
                state.dataAttributes.append(SimDataAttribute(id: nil, model: model, name: standard,
                                                             dataType: standard == "created_at" ? "date" : "string", custom: false))
            }
            for (key, type) in keys {
                state.dataAttributes.append(SimDataAttribute(id: attributeId, model: model, name: key, dataType: type, custom: true))
                attributeId += 1
            }
        }
        state.reindex()
        buildTickets(&state)
        state.reindex()
        return state
    }

    func value(type: String, _ r: inout SeededRandom) -> JSON {
        switch type {
        case "integer": return .int(r.int(0...500))
        case "float": return .double(Double(r.int(0...1_000_000)) / 100)
        case "boolean": return .bool(r.chance(0.5))
        case "date": return .int(timestamp(&r))
        default: return .string(r.pick(["gold", "silver", "ads", "référence", "🙂", "right-to-left: עברית", "a.b.c", ""]))
        }
    }

    /// Derives what follows from a conversation's seeded parts: when it was last updated, since when it waits for an
    /// answer, its statistics, and a rating when a contact rated it after the close.
    func settle(_ c: inout SimConversation, _ r: inout SeededRandom, in state: WorkspaceState) {
        let parts = state.seededParts(of: c)
        let last = parts.last?.createdAt ?? c.createdAt
        c.updatedAt = min(Generator.anchor, last + r.int(0...3_600))
        let statistics = ConversationStatistics(createdAt: c.createdAt, contactOpened: c.seededOutcome.contactOpened, parts: parts)
        c.seededStatistics = statistics
        if c.state == "open", let contact = statistics.lastContactReplyAt ?? statistics.firstContactReplyAt,
           (statistics.lastAdminReplyAt ?? 0) < contact {
            c.waitingSince = contact
        }
        if c.state == "closed", let closedAt = statistics.lastCloseAt, r.chance(0.3) {
            c.rating = SimRating(rating: r.pick([1, 2, 3, 4, 4, 5, 5, 5]), remark: r.pick(["", "Great help 🙏", "<b>slow</b>", "قليلا"]),
                                 createdAt: min(Generator.anchor, closedAt + 60), contactId: c.contactIds[0],
                                 teammateId: statistics.lastClosedById ?? c.adminAssigneeId)
        }
    }
}

extension Array where Element: Hashable {
    /// The elements in order, without repeats.
    func uniqued() -> [Element] {
        var seen = Set<Element>()
        return filter { seen.insert($0).inserted }
    }
}

extension WorkspaceState {
    /// The seeded parts of a conversation, generated from its seed and seeded outcome alone.
    public func seededParts(of conversation: SimConversation) -> [SimPart] {
        Timeline(conversation: conversation, admins: admins, teams: teams).parts()
    }

    /// Every part of a conversation: the seeded ones, then those added through the control surface.
    public func parts(of conversation: SimConversation) -> [SimPart] {
        seededParts(of: conversation) + conversation.addedParts
    }

    /// The conversation's statistics over all its parts.
    public func statistics(of conversation: SimConversation) -> ConversationStatistics {
        if conversation.addedParts.isEmpty, let seeded = conversation.seededStatistics { return seeded }
        return ConversationStatistics(createdAt: conversation.createdAt, contactOpened: conversation.seededOutcome.contactOpened,
                                      parts: parts(of: conversation))
    }
}
