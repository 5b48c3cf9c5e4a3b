/// What the read API serves over the catalog's tables: resources, their relations, the dashboard summary and the
/// search sources. The routes, the OpenAPI document and the SQL are all built from these lists.
extension ReadResource {
    public static let contacts = ReadResource("contacts", "contact", table: "contacts")
    public static let users = ReadResource("users", "user", table: "contacts", scope: ("role", "user"))
    public static let leads = ReadResource("leads", "lead", table: "contacts", scope: ("role", "lead"))
    public static let companies = ReadResource("companies", "company", table: "companies")
    public static let conversations = ReadResource("conversations", "conversation", table: "conversations", embeds: [
        .ids(key: "contact_ids", table: "conversation_contacts", owner: "conversation_id", column: "contact_id"),
        .ids(key: "tag_ids", table: "conversation_tags", owner: "conversation_id", column: "tag_id"),
        .rows(key: "conversation_parts", resource: "conversation_parts", owner: "conversation_id", order: "created_at"),
    ], joined: [JoinedColumns(prefix: "metrics", table: "conversation_metrics", key: "conversation_id")])
    /// A conversation's metrics, one row keyed by the conversation's id (`/conversations/{id}/metrics`).
    public static let conversationMetrics = ReadResource("conversation_metrics", "conversation", table: "conversation_metrics",
                                                         key: "conversation_id")
    public static let parts = ReadResource("conversation_parts", "conversation part", table: "conversation_parts",
                                           defaultSort: SortKey(column: "created_at", descending: false))
    public static let admins = ReadResource("admins", "admin", table: "admins")
    public static let teams = ReadResource("teams", "team", table: "teams")
    public static let tags = ReadResource("tags", "tag", table: "tags")
    public static let segments = ReadResource("segments", "segment", table: "segments")
    public static let notes = ReadResource("notes", "note", table: "notes",
                                           defaultSort: SortKey(column: "created_at", descending: false))
    public static let events = ReadResource("event_summaries", "event summary", table: "event_summaries")
    public static let dataAttributes = ReadResource("data_attributes", "data attribute", table: "data_attributes")
    public static let articles = ReadResource("articles", "article", table: "articles")
    public static let tickets = ReadResource("tickets", "ticket", table: "tickets", embeds: [
        .ids(key: "contact_ids", table: "ticket_contacts", owner: "ticket_id", column: "contact_id"),
        .ids(key: "tag_ids", table: "ticket_tags", owner: "ticket_id", column: "tag_id"),
        .rows(key: "linked_objects", resource: "ticket_links", owner: "ticket_id", order: "linked_type"),
        .rows(key: "ticket_parts", resource: "ticket_parts", owner: "ticket_id", order: "created_at"),
    ], joined: [JoinedColumns(prefix: "metrics", table: "ticket_metrics", key: "ticket_id")])
    /// A ticket's metrics, one row keyed by the ticket's id (`/tickets/{id}/metrics`).
    public static let ticketMetrics = ReadResource("ticket_metrics", "ticket", table: "ticket_metrics", key: "ticket_id")
    public static let ticketParts = ReadResource("ticket_parts", "ticket part", table: "ticket_parts",
                                                 defaultSort: SortKey(column: "created_at", descending: false))
    public static let ticketLinks = ReadResource("ticket_links", "ticket link", table: "ticket_links", key: "ticket_id")
    public static let ticketTypes = ReadResource("ticket_types", "ticket type", table: "ticket_types", embeds: [
        .rows(key: "ticket_type_attributes", resource: "ticket_type_attributes", owner: "ticket_type_id", order: "order"),
    ])
    public static let ticketTypeAttributes = ReadResource("ticket_type_attributes", "ticket type attribute", table: "ticket_type_attributes",
                                                          defaultSort: SortKey(column: "order", descending: false))
    public static let ticketStates = ReadResource("ticket_states", "ticket state", table: "ticket_states")

    /// Every resource, for the OpenAPI document's schemas.
    public static let all: [ReadResource] = [contacts, users, leads, companies, conversations, parts, admins, teams, tags,
                                             segments, notes, events, dataAttributes, articles, tickets, ticketParts, ticketLinks,
                                             ticketTypes, ticketTypeAttributes, ticketStates]

    /// The resource named `name`; the lists are static, so a wrong name is a programming error.
    public static func named(_ name: String) -> ReadResource {
        guard let resource = all.first(where: { $0.name == name }) else { preconditionFailure("no resource \(name)") }
        return resource
    }
}

extension Catalog {
    /// Resources listed at the top level (`/contacts`); the others are lists of a parent only.
    public static let listed: [ReadResource] = [.contacts, .users, .leads, .companies, .conversations, .admins, .teams,
                                                .tags, .segments, .dataAttributes, .articles, .tickets, .ticketTypes, .ticketStates]

    /// Resources with a `GET /NAME/{id}` route.
    public static let items: [ReadResource] = [.contacts, .users, .leads, .companies, .conversations, .admins, .teams, .tickets,
                                               .ticketTypes, .ticketStates]

    /// One-row views of an item (`/conversations/{id}/metrics`): the parent resource, the route's segment, and the
    /// resource keyed by the parent's id that answers it.
    public static let itemViews: [(parent: ReadResource, segment: String, view: ReadResource)] = [
        (.conversations, "metrics", .conversationMetrics),
        (.tickets, "metrics", .ticketMetrics),
    ]

    /// Every parent → child list (`/contacts/{id}/conversations`).
    public static let relations: [RelationSpec] = [
        RelationSpec(["contacts", "users", "leads"], "conversations",
                     .links([LinkHop("conversation_contacts", "conversation_id", "contact_id")])),
        RelationSpec(["contacts"], "notes", .column("contact_id")),
        RelationSpec(["contacts"], "tags", .links([LinkHop("contact_tags", "tag_id", "contact_id")])),
        RelationSpec(["contacts"], "companies", .links([LinkHop("contact_companies", "company_id", "contact_id")])),
        RelationSpec(["contacts"], "segments", .links([LinkHop("contact_segments", "segment_id", "contact_id")])),
        RelationSpec(["contacts"], "event_summaries", segment: "events", .column("contact_id")),
        RelationSpec(["companies"], "contacts", .links([LinkHop("contact_companies", "contact_id", "company_id")])),
        // A company's conversations: those of its contacts (Intercom attributes most conversations to people).
        RelationSpec(["companies"], "conversations", .links([
            LinkHop("conversation_contacts", "conversation_id", "contact_id"),
            LinkHop("contact_companies", "contact_id", "company_id"),
        ])),
        RelationSpec(["conversations"], "conversation_parts", segment: "parts", .column("conversation_id")),
        RelationSpec(["admins"], "conversations", .column("admin_assignee_id")),
        RelationSpec(["tags"], "contacts", .links([LinkHop("contact_tags", "contact_id", "tag_id")])),
        RelationSpec(["segments"], "contacts", .links([LinkHop("contact_segments", "contact_id", "segment_id")])),
        RelationSpec(["tickets"], "ticket_parts", segment: "parts", .column("ticket_id")),
        RelationSpec(["contacts", "users", "leads"], "tickets", .links([LinkHop("ticket_contacts", "ticket_id", "contact_id")])),
        // A company's tickets: those of its contacts, as for conversations.
        RelationSpec(["companies"], "tickets", .links([
            LinkHop("ticket_contacts", "ticket_id", "contact_id"), LinkHop("contact_companies", "contact_id", "company_id"),
        ])),
        RelationSpec(["admins"], "tickets", .column("admin_assignee_id")),
        RelationSpec(["teams"], "tickets", .column("team_assignee_id")),
        // Tickets linked to a conversation; ticket and conversation ids are of one space, so the link's type is checked.
        RelationSpec(["conversations"], "tickets", .links([LinkHop("ticket_links", "ticket_id", "linked_id",
                                                                   only: ("linked_type", "conversation"))])),
        RelationSpec(["tickets"], "tickets", segment: "linked_tickets", .links([LinkHop("ticket_links", "linked_id", "ticket_id",
                                                                                        only: ("linked_type", "ticket"))])),
        RelationSpec(["tags"], "tickets", .links([LinkHop("ticket_tags", "ticket_id", "tag_id")])),
        RelationSpec(["ticket_types"], "tickets", .column("ticket_type_id")),
        RelationSpec(["ticket_states"], "tickets", .column("ticket_state_id")),
    ]

    /// The dashboard summary of `/counts`, in the order of its answer.
    public static let dashboard: [DashboardCount] = [
        DashboardCount(["contacts", "total"], "contacts"),
        DashboardCount(["contacts", "by_role"], "contacts", groupBy: "role"),
        DashboardCount(["companies", "total"], "companies"),
        DashboardCount(["conversations", "total"], "conversations"),
        DashboardCount(["conversations", "by_state"], "conversations", groupBy: "state"),
        DashboardCount(["open_conversations_per_admin"], "conversations", groupBy: "admin_assignee_id", filter: ("state", "open")),
        DashboardCount(["open_conversations_per_team"], "conversations", groupBy: "team_assignee_id", filter: ("state", "open")),
        DashboardCount(["contacts_per_tag"], "contact_tags", groupBy: "tag_id"),
        DashboardCount(["contacts_per_segment"], "contact_segments", groupBy: "segment_id"),
        DashboardCount(["companies_per_tag"], "company_tags", groupBy: "tag_id"),
        DashboardCount(["companies_per_segment"], "company_segments", groupBy: "segment_id"),
        DashboardCount(["tickets", "total"], "tickets"),
        DashboardCount(["tickets", "by_category"], "tickets", groupBy: "category"),
        DashboardCount(["tickets", "by_state_category"], "tickets", groupBy: "state_category"),
        DashboardCount(["open_tickets_per_state"], "tickets", groupBy: "ticket_state_id", filter: ("open", "1")),
        DashboardCount(["open_tickets_per_admin"], "tickets", groupBy: "admin_assignee_id", filter: ("open", "1")),
        DashboardCount(["open_tickets_per_team"], "tickets", groupBy: "team_assignee_id", filter: ("open", "1")),
    ]

    /// Conversation and part bodies, notes, and contact names and emails, as the read API issue names them.
    public static let searchSources: [SearchSourceSpec] = [
        SearchSourceSpec("conversation", "conversations", text: ["title", "source_subject", "source_body"], html: ["source_body"], conversation: "id"),
        SearchSourceSpec("conversation_part", "conversation_parts", text: ["body"], html: ["body"], conversation: "conversation_id"),
        SearchSourceSpec("note", "notes", text: ["body"], html: ["body"], contact: "contact_id"),
        SearchSourceSpec("contact", "contacts", text: ["name", "email"], contact: "id"),
        SearchSourceSpec("ticket", "tickets", text: ["title", "description"], html: ["title", "description"], ticket: "id"),
        SearchSourceSpec("ticket_part", "ticket_parts", text: ["body"], html: ["body"], ticket: "ticket_id"),
    ]

    /// The Keboola and Segment views over contacts: `users`, `users_tags`, `leads_companies`…
    public static let seedViews = SeedViewSpec(table: "contacts", roleColumn: "role", roles: ["user", "lead"], links: [
        SeedLink("tags", "contact_tags", owner: "contact_id", columns: ["tag_id"],
                 lookup: ("tags", "tag_id", [("name", "tag_name")])),
        SeedLink("companies", "contact_companies", owner: "contact_id", columns: ["company_id"],
                 lookup: ("companies", "company_id", [("company_id", "company_external_id"), ("name", "company_name")])),
        SeedLink("segments", "contact_segments", owner: "contact_id", columns: ["segment_id"],
                 lookup: ("segments", "segment_id", [("name", "segment_name")])),
        SeedLink("social_profiles", "contact_social_profiles", owner: "contact_id", columns: ["name", "url"]),
    ])
}
