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

    /// Every resource, for the OpenAPI document's schemas.
    public static let all: [ReadResource] = [contacts, users, leads, companies, conversations, parts, admins, teams, tags,
                                             segments, notes, events, dataAttributes, articles]

    /// The resource named `name`; the lists are static, so a wrong name is a programming error.
    public static func named(_ name: String) -> ReadResource {
        guard let resource = all.first(where: { $0.name == name }) else { preconditionFailure("no resource \(name)") }
        return resource
    }
}

extension Catalog {
    /// Resources listed at the top level (`/contacts`); the others are lists of a parent only.
    public static let listed: [ReadResource] = [.contacts, .users, .leads, .companies, .conversations, .admins, .teams,
                                                .tags, .segments, .dataAttributes, .articles]

    /// Resources with a `GET /NAME/{id}` route.
    public static let items: [ReadResource] = [.contacts, .users, .leads, .companies, .conversations, .admins, .teams]

    /// One-row views of an item (`/conversations/{id}/metrics`): the parent resource, the route's segment, and the
    /// resource keyed by the parent's id that answers it.
    public static let itemViews: [(parent: ReadResource, segment: String, view: ReadResource)] = [
        (.conversations, "metrics", .conversationMetrics),
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
    ]

    /// Conversation and part bodies, notes, and contact names and emails, as the read API issue names them.
    public static let searchSources: [SearchSourceSpec] = [
        SearchSourceSpec("conversation", "conversations", text: ["title", "source_subject", "source_body"], html: ["source_body"], conversation: "id"),
        SearchSourceSpec("conversation_part", "conversation_parts", text: ["body"], html: ["body"], conversation: "conversation_id"),
        SearchSourceSpec("note", "notes", text: ["body"], html: ["body"], contact: "contact_id"),
        SearchSourceSpec("contact", "contacts", text: ["name", "email"], contact: "id"),
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
