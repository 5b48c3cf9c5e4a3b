import IntercomAPI
/// Renders simulator records in Intercom 2.16's JSON shapes.
struct Renderer {
    let state: WorkspaceState
    let userCounts: [String: Int]
    let appId: String

    /// Embedded reference lists hold at most 10 items, with `has_more` and the real `total_count`.
    static let embeddedListLimit = 10

    func referenceList(type: String, ids: [String], url: String) -> JSON {
        .object([
            ("type", .string("list")),
            ("data", .array(ids.prefix(Renderer.embeddedListLimit).map { id in
                .object([("type", .string(type)), ("id", .string(id)), ("url", .string("/\(type)s/\(id)"))])
            })),
            ("url", .string(url)),
            ("total_count", .int(ids.count)),
            ("has_more", .bool(ids.count > Renderer.embeddedListLimit)),
        ])
    }

    func contact(_ c: SimContact) -> JSON {
        .object([
            ("type", .string("contact")), ("id", .string(c.id)), ("workspace_id", .string(appId)),
            ("external_id", .string(c.externalId)), ("role", .string(c.role)),
            ("email", .string(c.email ?? "")),
            ("email_domain", .string(c.email.flatMap { $0.split(separator: "@").last.map(String.init) } ?? "")),
            ("phone", .string(c.phone)), ("name", .string(c.name)), ("owner_id", .string(c.ownerId)),
            ("has_hard_bounced", .bool(c.hasHardBounced)), ("marked_email_as_spam", .bool(c.markedEmailAsSpam)),
            ("unsubscribed_from_emails", .bool(c.unsubscribedFromEmails)),
            ("created_at", .int(c.createdAt)), ("updated_at", .int(c.updatedAt)), ("signed_up_at", .int(c.signedUpAt)),
            ("last_seen_at", .int(c.lastSeenAt)), ("last_replied_at", .int(c.lastRepliedAt)),
            ("last_contacted_at", .int(c.lastContactedAt)), ("last_email_opened_at", .null), ("last_email_clicked_at", .null),
            ("language_override", .string(c.languageOverride)), ("browser", .string(c.browser)),
            ("browser_version", .null), ("browser_language", .null), ("os", .string(c.os)),
            ("android_app_name", .null), ("android_app_version", .null), ("android_device", .null),
            ("android_os_version", .null), ("android_sdk_version", .null), ("android_last_seen_at", .null),
            ("ios_app_name", .null), ("ios_app_version", .null), ("ios_device", .null), ("ios_os_version", .null),
            ("ios_sdk_version", .null), ("ios_last_seen_at", .null),
            ("custom_attributes", .object(c.customAttributes)),
            ("avatar", .object([("type", .string("avatar")), ("image_url", .string(c.avatarURL))])),
            ("tags", referenceList(type: "tag", ids: c.tagIds, url: "/contacts/\(c.id)/tags")),
            ("notes", referenceList(type: "note", ids: c.noteIds, url: "/contacts/\(c.id)/notes")),
            ("companies", referenceList(type: "company", ids: c.companyIds, url: "/contacts/\(c.id)/companies")),
            ("location", .object([("type", .string("location")), ("country", .string(c.locationCountry)),
                                  ("region", .string(c.locationRegion)), ("city", .string(c.locationCity))])),
            ("social_profiles", .object([("type", .string("list")), ("data", .array(c.socialProfiles.map {
                .object([("type", .string("social_profile")), ("name", .string($0.name)), ("url", .string($0.url))])
            }))])),
        ])
    }

    func tagBasic(_ id: String) -> JSON {
        .object([("type", .string("tag")), ("id", .string(id)), ("name", .string(state.tags.first { $0.id == id }?.name ?? ""))])
    }

    func segment(_ s: SimSegment, count: Int? = nil) -> JSON {
        var members: [(String, JSON)] = [
            ("type", .string("segment")), ("id", .string(s.id)), ("name", .string(s.name)),
            ("created_at", .int(s.createdAt)), ("updated_at", .int(s.updatedAt)), ("person_type", .string(s.personType)),
        ]
        if let count { members.append(("count", .int(count))) }
        return .object(members)
    }

    func company(_ c: SimCompany) -> JSON {
        // Unset optional fields are left out, as in Intercom's own responses; the schema does not allow null there.
        var optional: [(String, JSON)] = []
        if let at = c.lastRequestAt { optional.append(("last_request_at", .int(at))) }
        if let website = c.website { optional.append(("website", .string(website))) }
        if let industry = c.industry { optional.append(("industry", .string(industry))) }
        return .object([
            ("type", .string("company")), ("company_id", .string(c.companyId)), ("id", .string(c.id)),
            ("app_id", .string(appId)), ("name", .string(c.name)),
            ("remote_created_at", .int(c.remoteCreatedAt)), ("created_at", .int(c.createdAt)), ("updated_at", .int(c.updatedAt)),
            ("monthly_spend", .int(c.monthlySpend)),
            ("session_count", .int(c.sessionCount)), ("user_count", .int(userCounts[c.id] ?? 0)), ("size", .int(c.size)),
        ] + optional + [
            ("tags", .object([("type", .string("tag.list")), ("tags", .array(c.tagIds.map(tagBasic)))])),
            ("segments", .object([("type", .string("segment.list")), ("segments", .array(c.segmentIds.compactMap { id in
                state.segments.first { $0.id == id }.map { segment($0) }
            }))])),
            ("plan", c.plan.map { .object([("type", .string("plan")), ("id", .string($0.id)), ("name", .string($0.name))]) } ?? .object([])),
            ("custom_attributes", .object(c.customAttributes)),
        ])
    }

    func admin(_ a: SimAdmin) -> JSON {
        .object([
            ("type", .string("admin")), ("id", .string(a.id)), ("name", .string(a.name)), ("email", .string(a.email)),
            ("job_title", .string(a.jobTitle)), ("away_mode_enabled", .bool(a.awayModeEnabled)),
            ("away_mode_reassign", .bool(false)), ("has_inbox_seat", .bool(a.hasInboxSeat)),
            ("team_ids", .array(a.teamIds.compactMap { Int($0) }.map(JSON.int))),
            ("avatar", .null),
        ])
    }

    func team(_ t: SimTeam) -> JSON {
        .object([("type", .string("team")), ("id", .string(t.id)), ("name", .string(t.name)),
                 ("admin_ids", .array(t.adminIds.compactMap { Int($0) }.map(JSON.int)))])
    }

    func tag(_ t: SimTag) -> JSON { .object([("type", .string("tag")), ("id", .string(t.id)), ("name", .string(t.name))]) }

    func note(_ n: SimNote) -> JSON {
        let author = state.admins.first { $0.id == n.authorId }
        return .object([
            ("type", .string("note")), ("id", .string(n.id)), ("created_at", .int(n.createdAt)),
            ("contact", .object([("type", .string("contact")), ("id", .string(n.contactId))])),
            ("author", author.map(admin) ?? .null), ("body", .string(n.body)),
        ])
    }

    /// Assignee ids are integers in Intercom's conversation objects, 0 or null when unassigned.
    func assignee(_ id: String?, zeroWhenNone: Bool) -> JSON {
        guard let id, let number = Int(id) else { return zeroWhenNone ? .int(0) : .null }
        return .int(number)
    }

    func conversation(_ c: SimConversation, parts: [SimPart]? = nil) -> JSON {
        var members: [(String, JSON)] = [
            ("type", .string("conversation")), ("id", .string(c.id)), ("title", .string(c.title)),
            ("created_at", .int(c.createdAt)), ("updated_at", .int(c.updatedAt)),
            ("waiting_since", .int(c.waitingSince)), ("snoozed_until", .int(c.snoozedUntil)),
            ("source", .object([
                ("type", .string("conversation")), ("id", .string(String(400_000_000 + c.seq))),
                ("delivered_as", .string(c.deliveredAs)), ("subject", .string(c.sourceSubject)), ("body", .string(c.sourceBody)),
                ("author", sourceAuthor(c)),
                ("attachments", .array([])), ("url", .null), ("redacted", .bool(false)),
            ])),
            ("contacts", .object([("type", .string("contact.list")), ("contacts", .array(c.contactIds.map { id in
                .object([("type", .string("contact")), ("id", .string(id)),
                         ("external_id", .string(state.contact(id)?.externalId))])
            }))])),
            ("first_contact_reply", .null),
            // Seeded data mixes 0 and null for "unassigned", as Intercom's does.
            ("admin_assignee_id", assignee(c.adminAssigneeId, zeroWhenNone: c.seq % 2 == 0)),
            ("team_assignee_id", assignee(c.teamAssigneeId, zeroWhenNone: c.seq % 3 == 0)),
            ("open", .bool(c.state == "open")), ("state", .string(c.state)), ("read", .bool(c.read)),
            ("tags", .object([("type", .string("tag.list")), ("tags", .array(c.tagIds.map(tagBasic)))])),
            ("priority", .string(c.priority)), ("sla_applied", .null), ("statistics", state.statistics(of: c).json),
            ("conversation_rating", c.rating.map(rating) ?? .null),
            ("teammates", .object([("type", .string("admin.list")), ("teammates", .array(c.adminAssigneeId.map {
                [.object([("type", .string("admin")), ("id", .string($0))])]
            } ?? []))])),
            ("custom_attributes", .object(c.customAttributes)),
            ("linked_objects", .object([("type", .string("list")), ("data", .array([])), ("total_count", .int(0)), ("has_more", .bool(false))])),
            ("ai_agent", .null), ("ai_agent_participated", .bool(false)),
        ]
        if let companyId = c.companyId, let company = state.company(companyId) {
            members.append(("company", self.company(company)))
        }
        if let parts {
            members.append(("conversation_parts", .object([
                ("type", .string("conversation_part.list")),
                ("conversation_parts", .array(parts.map { part($0, conversationState: c.state) })),
                ("total_count", .int(c.partCount)),
            ])))
        }
        return .object(members)
    }

    /// A contact's rating of a conversation, with the contact and the teammate it rates.
    func rating(_ r: SimRating) -> JSON {
        .object([
            ("rating", .int(r.rating)), ("remark", .string(r.remark)), ("created_at", .int(r.createdAt)),
            ("updated_at", .int(r.createdAt)),
            ("contact", .object([("type", .string("contact")), ("id", .string(r.contactId)),
                                 ("external_id", .string(state.contact(r.contactId)?.externalId))])),
            ("teammate", r.teammateId.map { .object([("type", .string("admin")), ("id", .string($0))]) } ?? .null),
        ])
    }

    /// The author of a conversation's first message: the contact or admin, with their real email or null.
    func sourceAuthor(_ c: SimConversation) -> JSON {
        if c.sourceAuthorType == "admin", let a = state.admins.first(where: { $0.id == c.sourceAuthorId }) {
            return .object([("type", .string("admin")), ("id", .string(a.id)), ("name", .string(a.name)), ("email", .string(a.email))])
        }
        let contact = state.contact(c.sourceAuthorId)
        return .object([("type", .string(c.sourceAuthorType)), ("id", .string(c.sourceAuthorId)),
                        ("name", .string(contact?.name)), ("email", .string(contact?.email))])
    }

    func part(_ p: SimPart, conversationState: String) -> JSON {
        let author: JSON
        if p.authorType == "admin", let a = state.admins.first(where: { $0.id == p.authorId }) {
            author = .object([("type", .string("admin")), ("id", .string(a.id)), ("name", .string(a.name)),
                              ("email", .string(a.email)), ("from_ai_agent", .bool(false)), ("is_ai_answer", .bool(false))])
        } else if p.authorType == "bot" {
            author = .object([("type", .string("bot")), ("id", .string(p.authorId)), ("name", .string("Operator")),
                              ("email", .string("operator+workspace@intercom.io")), ("from_ai_agent", .bool(false)),
                              ("is_ai_answer", .bool(false))])
        } else {
            let c = state.contact(p.authorId)
            var members: [(String, JSON)] = [("type", .string(p.authorType)), ("id", .string(p.authorId)), ("name", .string(c?.name))]
            if let email = c?.email { members.append(("email", .string(email))) }
            author = .object(members + [("from_ai_agent", .bool(false)), ("is_ai_answer", .bool(false))])
        }
        return .object([
            ("type", .string("conversation_part")), ("id", .string(p.id)), ("part_type", .string(p.partType)),
            ("body", p.redacted ? .null : .string(p.body)), ("created_at", .int(p.createdAt)), ("updated_at", .int(p.createdAt)),
            ("notified_at", .int(p.createdAt)),
            ("assigned_to", p.assignedTo.map { .object([("type", .string($0.type)), ("id", .string($0.id))]) } ?? .null),
            ("author", author),
            ("attachments", .array((0..<p.attachmentCount).map { n in
                .object([("type", .string("upload")), ("name", .string("screenshot \(n) 📷.png")),
                         ("url", .string("https://files.example/\(p.id)/\(n).png")), ("content_type", .string("image/png")),
                         ("filesize", .int(1024 * (n + 1))), ("width", .int(640)), ("height", .int(480))])
            })),
            ("external_id", .null), ("redacted", .bool(p.redacted)), ("state", .string(conversationState)),
            ("tags", .array([])),
        ])
    }

    func article(_ a: SimArticle) -> JSON {
        .object([
            ("type", .string("article")), ("id", .string(a.id)), ("workspace_id", .string(appId)), ("title", .string(a.title)),
            ("description", .null), ("body", .string(a.body)), ("author_id", .int(Int(a.authorId) ?? 0)),
            ("state", .string(a.state)), ("created_at", .int(a.createdAt)), ("updated_at", .int(a.updatedAt)),
            ("url", .null), ("parent_ids", .array([])), ("default_locale", .string("en")),
        ])
    }

    func dataAttribute(_ d: SimDataAttribute) -> JSON {
        var members: [(String, JSON)] = [("type", .string("data_attribute"))]
        if let id = d.id { members.append(("id", .int(id))) }
        members += [
            ("model", .string(d.model)), ("name", .string(d.name)),
            ("full_name", .string(d.custom ? "custom_attributes.\(d.name)" : d.name)),
            ("label", .string(d.name)), ("description", .string("")), ("data_type", .string(d.dataType)),
            ("api_writable", .bool(true)), ("ui_writable", .bool(d.custom)), ("messenger_writable", .bool(false)),
            ("custom", .bool(d.custom)), ("archived", .bool(false)),
        ]
        return .object(members)
    }
}
