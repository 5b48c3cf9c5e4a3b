import IntercomAPI
/// A column read from the item at `path` (defaulting to the column's own name).
private func col(_ name: String, _ kind: ColumnKind, _ path: String...) -> ColumnSpec {
    ColumnSpec(name, kind, .path(path.isEmpty ? [name] : path))
}

/// A column of `conversation_metrics`, computed from a conversation's parts.
private func metric(_ name: String, _ kind: ColumnKind) -> ColumnSpec { ColumnSpec(name, kind, .computed) }

/// A JSON object column whose keys the read API filters on (`name.KEY=value`).
private func keyed(_ name: String) -> ColumnSpec { ColumnSpec(name, .json, .path([name]), keyed: true) }

/// Every mirrored table of the Intercom workspace: migrations, the normalizer and the read API all read this.
public enum Catalog {
    /// Tables in creation order: owners before the children that reference them.
    public static let tables: [TableSpec] = [
        TableSpec("admins", children: [ChildSpec("admin_teams", from: ["team_ids"], owner: "admin_id")], columns: [
            col("id", .id), col("type", .text), col("name", .text), col("email", .text), col("job_title", .text),
            col("away_mode_enabled", .boolean), col("away_mode_reassign", .boolean), col("has_inbox_seat", .boolean),
            col("avatar_image_url", .text, "avatar", "image_url"),
        ]),
        // An admin's team ids: kept only to cross-check team_admins, which comes from the teams list.
        TableSpec("admin_teams", key: ["admin_id", "team_id"], raw: false, columns: [
            ColumnSpec("admin_id", .id, .owner), ColumnSpec("team_id", .id, .element),
        ]),
        TableSpec("teams", children: [ChildSpec("team_admins", from: ["admin_ids"], owner: "team_id")], columns: [
            col("id", .id), col("type", .text), col("name", .text),
        ]),
        TableSpec("team_admins", key: ["team_id", "admin_id"], raw: false, indexes: [["admin_id"]], columns: [
            ColumnSpec("team_id", .id, .owner), ColumnSpec("admin_id", .id, .element),
        ]),
        TableSpec("tags", columns: [col("id", .id), col("type", .text), col("name", .text)]),
        TableSpec("segments", columns: [
            col("id", .id), col("type", .text), col("name", .text), col("person_type", .text),
            col("created_at", .timestamp), col("updated_at", .timestamp), col("count", .integer),
        ]),
        TableSpec("contacts", children: [
            ChildSpec("contact_tags", from: ["tags", "data"], owner: "contact_id", hasMore: ["tags", "has_more"],
                      fullList: ("/contacts/{id}/tags", "data")),
            ChildSpec("contact_companies", from: ["companies", "data"], owner: "contact_id", hasMore: ["companies", "has_more"],
                      fullList: ("/contacts/{id}/companies", "data")),
            ChildSpec("contact_social_profiles", from: ["social_profiles", "data"], owner: "contact_id"),
        ], indexes: [["role"], ["email"], ["updated_at"], ["external_id"], ["id", "custom_attributes"]], columns: [
            col("id", .id), col("type", .text), col("workspace_id", .text), col("external_id", .text), col("role", .text),
            col("email", .text), col("email_domain", .text), col("phone", .text), col("name", .text), col("owner_id", .id),
            col("has_hard_bounced", .boolean), col("marked_email_as_spam", .boolean), col("unsubscribed_from_emails", .boolean),
            col("created_at", .timestamp), col("updated_at", .timestamp), col("signed_up_at", .timestamp),
            col("last_seen_at", .timestamp), col("last_replied_at", .timestamp), col("last_contacted_at", .timestamp),
            col("last_email_opened_at", .timestamp), col("last_email_clicked_at", .timestamp),
            col("language_override", .text), col("browser", .text), col("browser_version", .text),
            col("browser_language", .text), col("os", .text),
            col("android_app_name", .text), col("android_app_version", .text), col("android_device", .text),
            col("android_os_version", .text), col("android_sdk_version", .text), col("android_last_seen_at", .timestamp),
            col("ios_app_name", .text), col("ios_app_version", .text), col("ios_device", .text), col("ios_os_version", .text),
            col("ios_sdk_version", .text), col("ios_last_seen_at", .timestamp),
            col("avatar_image_url", .text, "avatar", "image_url"),
            col("location_country", .text, "location", "country"), col("location_region", .text, "location", "region"),
            col("location_city", .text, "location", "city"),
            col("location_country_code", .text, "location", "country_code"),
            col("location_continent_code", .text, "location", "continent_code"),
            col("tags_total_count", .integer, "tags", "total_count"),
            col("companies_total_count", .integer, "companies", "total_count"),
            col("notes_total_count", .integer, "notes", "total_count"),
            keyed("custom_attributes"),
        ]),
        TableSpec("contact_tags", key: ["contact_id", "tag_id"], raw: false, indexes: [["tag_id"]], columns: [
            ColumnSpec("contact_id", .id, .owner), col("tag_id", .id, "id"),
        ]),
        TableSpec("contact_companies", key: ["contact_id", "company_id"], raw: false, indexes: [["company_id"]], columns: [
            ColumnSpec("contact_id", .id, .owner), col("company_id", .id, "id"),
        ]),
        TableSpec("contact_segments", key: ["contact_id", "segment_id"], raw: false, indexes: [["segment_id"]], columns: [
            ColumnSpec("contact_id", .id, .owner), col("segment_id", .id, "id"),
        ]),
        TableSpec("contact_social_profiles", key: ["contact_id", "url"], raw: false, columns: [
            ColumnSpec("contact_id", .id, .owner), col("url", .text), col("name", .text),
        ]),
        TableSpec("notes", indexes: [["contact_id"]], columns: [
            col("id", .id), col("type", .text), col("contact_id", .id, "contact", "id"), col("author_id", .id, "author", "id"),
            col("body", .text), col("created_at", .timestamp),
        ]),
        TableSpec("companies", children: [
            ChildSpec("company_tags", from: ["tags", "tags"], owner: "company_id"),
            ChildSpec("company_segments", from: ["segments", "segments"], owner: "company_id"),
        ], indexes: [["company_id"], ["updated_at"], ["id", "custom_attributes"]], columns: [
            col("id", .id), col("type", .text), col("company_id", .text), col("app_id", .text), col("name", .text),
            col("remote_created_at", .timestamp), col("created_at", .timestamp), col("updated_at", .timestamp),
            col("last_request_at", .timestamp), col("monthly_spend", .real), col("session_count", .integer),
            col("user_count", .integer), col("size", .integer), col("website", .text), col("industry", .text),
            col("plan_id", .id, "plan", "id"), col("plan_name", .text, "plan", "name"),
            keyed("custom_attributes"),
        ]),
        TableSpec("company_tags", key: ["company_id", "tag_id"], raw: false, indexes: [["tag_id"]], columns: [
            ColumnSpec("company_id", .id, .owner), col("tag_id", .id, "id"),
        ]),
        TableSpec("company_segments", key: ["company_id", "segment_id"], raw: false, indexes: [["segment_id"]], columns: [
            ColumnSpec("company_id", .id, .owner), col("segment_id", .id, "id"),
        ]),
        TableSpec("conversations", children: [
            ChildSpec("conversation_tags", from: ["tags", "tags"], owner: "conversation_id"),
            ChildSpec("conversation_contacts", from: ["contacts", "contacts"], owner: "conversation_id"),
            ChildSpec("conversation_attachments", from: ["source", "attachments"], owner: "conversation_id"),
            ChildSpec("conversation_parts", from: ["conversation_parts", "conversation_parts"], owner: "conversation_id",
                      replaces: false),
        // State first, then assignee: the dashboard's open-per-admin and open-per-team counts read the index alone;
        // assignee first, then state: an admin's conversations in one state. `parts_truncated`: `/sync` and the page
        // count truncated conversations on every request (a scan of the 100k mirror's 50k conversations took 80 ms).
        // `created_at`: the newest conversation (the page's window) and lists sorted by it.
        ], indexes: [["state", "admin_assignee_id"], ["state", "team_assignee_id"], ["admin_assignee_id", "state"],
                     ["team_assignee_id", "state"], ["updated_at"], ["created_at"], ["id", "custom_attributes"],
                     ["parts_truncated"]], columns: [
            col("id", .id), col("type", .text), col("title", .text), col("created_at", .timestamp),
            col("updated_at", .timestamp), col("waiting_since", .timestamp), col("snoozed_until", .timestamp),
            col("state", .text), col("open", .boolean), col("read", .boolean), col("priority", .text),
            col("admin_assignee_id", .assignee), col("team_assignee_id", .assignee),
            col("company_id", .id, "company", "id"),
            col("source_type", .text, "source", "type"), col("source_id", .id, "source", "id"),
            col("source_delivered_as", .text, "source", "delivered_as"), col("source_subject", .text, "source", "subject"),
            col("source_body", .text, "source", "body"), col("source_url", .text, "source", "url"),
            col("source_author_type", .text, "source", "author", "type"), col("source_author_id", .id, "source", "author", "id"),
            col("source_author_name", .text, "source", "author", "name"),
            col("source_author_email", .text, "source", "author", "email"),
            col("parts_total_count", .integer, "conversation_parts", "total_count"),
            ColumnSpec("parts_truncated", .boolean, .computed),
            keyed("custom_attributes"), col("statistics", .json), col("sla_applied", .json),
            col("conversation_rating", .json),
        ]),
        TableSpec("conversation_tags", key: ["conversation_id", "tag_id"], raw: false, indexes: [["tag_id"]], columns: [
            ColumnSpec("conversation_id", .id, .owner), col("tag_id", .id, "id"),
        ]),
        TableSpec("conversation_contacts", key: ["conversation_id", "contact_id"], raw: false, indexes: [["contact_id"]], columns: [
            ColumnSpec("conversation_id", .id, .owner), col("contact_id", .id, "id"),
        ]),
        TableSpec("conversation_attachments", key: ["conversation_id", "url"], raw: false, columns: [
            ColumnSpec("conversation_id", .id, .owner), col("url", .text), col("name", .text), col("type", .text),
            col("content_type", .text), col("filesize", .integer), col("width", .integer), col("height", .integer),
        ]),
        TableSpec("conversation_parts", children: [
            ChildSpec("conversation_part_attachments", from: ["attachments"], owner: "part_id"),
        ], indexes: [["conversation_id", "created_at"]], columns: [
            col("id", .id), ColumnSpec("conversation_id", .id, .owner), col("type", .text), col("part_type", .text),
            col("body", .text), col("created_at", .timestamp), col("updated_at", .timestamp), col("notified_at", .timestamp),
            col("assigned_to_type", .text, "assigned_to", "type"), col("assigned_to_id", .id, "assigned_to", "id"),
            col("author_type", .text, "author", "type"), col("author_id", .id, "author", "id"),
            col("author_name", .text, "author", "name"), col("author_email", .text, "author", "email"),
            col("external_id", .text), col("redacted", .boolean),
        ]),
        // One row per conversation, rewritten with it and its parts (`ConversationMetrics` defines each column).
        TableSpec("conversation_metrics", key: ["conversation_id"], raw: false, columns: [
            ColumnSpec("conversation_id", .id, .computed),
            metric("first_contact_message_at", .timestamp), metric("first_admin_reply_at", .timestamp),
            metric("last_admin_reply_at", .timestamp), metric("first_assignment_at", .timestamp),
            metric("last_assignment_at", .timestamp), metric("count_assignments", .integer),
            metric("first_team_id", .id), metric("last_team_id", .id),
            metric("first_close_at", .timestamp), metric("last_close_at", .timestamp),
            metric("first_admin_close_at", .timestamp), metric("last_admin_close_at", .timestamp),
            metric("last_closed_by_admin_id", .id), metric("count_reopens", .integer), metric("count_parts", .integer),
            metric("count_admin_replies", .integer), metric("count_contact_replies", .integer),
            metric("time_to_first_assignment", .integer), metric("time_to_first_response", .integer),
            metric("time_to_first_close", .integer), metric("time_to_last_close", .integer),
            metric("median_time_to_reply", .integer), metric("parts_truncated", .boolean),
            metric("intercom_time_to_assignment", .integer), metric("intercom_time_to_admin_reply", .integer),
            metric("intercom_time_to_first_close", .integer), metric("intercom_time_to_last_close", .integer),
            metric("intercom_median_time_to_reply", .integer), metric("intercom_first_contact_reply_at", .timestamp),
            metric("intercom_first_assignment_at", .timestamp), metric("intercom_first_admin_reply_at", .timestamp),
            metric("intercom_first_close_at", .timestamp), metric("intercom_last_close_at", .timestamp),
            metric("intercom_last_closed_by_id", .id), metric("intercom_count_reopens", .integer),
            metric("intercom_count_assignments", .integer), metric("intercom_count_conversation_parts", .integer),
        ]),
        TableSpec("conversation_part_attachments", key: ["part_id", "url"], raw: false, columns: [
            ColumnSpec("part_id", .id, .owner), col("url", .text), col("name", .text), col("type", .text),
            col("content_type", .text), col("filesize", .integer), col("width", .integer), col("height", .integer),
        ]),
        TableSpec("ticket_types", children: [
            ChildSpec("ticket_type_attributes", from: ["ticket_type_attributes", "data"], or: ["ticket_type_attributes", "ticket_type_attributes"],
                      owner: "ticket_type_id"),
        ], columns: [
            col("id", .id), col("type", .text), col("category", .text), col("name", .text), col("description", .text),
            col("icon", .text), col("workspace_id", .text), col("archived", .boolean), col("is_internal", .boolean),
            col("created_at", .timestamp), col("updated_at", .timestamp),
        ]),
        // The spec's schema lists these under `ticket_type_attributes`, its examples under `data`: both are read.
        TableSpec("ticket_type_attributes", key: ["ticket_type_id", "id"], raw: false, columns: [
            ColumnSpec("ticket_type_id", .id, .owner), col("id", .id), col("name", .text), col("description", .text),
            col("data_type", .text), col("order", .integer), col("required_to_create", .boolean),
            col("required_to_create_for_contacts", .boolean), col("visible_on_create", .boolean),
            col("visible_to_contacts", .boolean), col("default", .boolean), col("archived", .boolean),
            col("created_at", .timestamp), col("updated_at", .timestamp), col("input_options", .json),
        ]),
        TableSpec("ticket_states", columns: [
            col("id", .id), col("type", .text), col("category", .text), col("internal_label", .text),
            col("external_label", .text), col("archived", .boolean),
        ]),
        TableSpec("tickets", children: [
            ChildSpec("ticket_contacts", from: ["contacts", "contacts"], owner: "ticket_id"),
            ChildSpec("ticket_tags", from: ["tags", "tags"], owner: "ticket_id"),
            ChildSpec("ticket_links", from: ["linked_objects", "data"], owner: "ticket_id"),
            ChildSpec("ticket_parts", from: ["ticket_parts", "ticket_parts"], owner: "ticket_id", replaces: false),
        ], indexes: [["open", "ticket_state_id"], ["open", "team_assignee_id"], ["admin_assignee_id", "open"],
                     ["team_assignee_id", "open"], ["updated_at"], ["id", "ticket_attributes"], ["parts_truncated"]], columns: [
            col("id", .id), col("type", .text), col("ticket_id", .text), col("category", .text),
            col("ticket_type_id", .id, "ticket_type", "id"), col("ticket_type_name", .text, "ticket_type", "name"),
            // `ticket_state` is an object in 2.16 and the category's string in older versions: both are read.
            ColumnSpec("ticket_state_id", .id, .anyOf([["ticket_state", "id"]])),
            ColumnSpec("state_category", .text, .anyOf([["ticket_state", "category"], ["ticket_state"]])),
            ColumnSpec("state_internal_label", .text, .anyOf([["ticket_state", "internal_label"]])),
            ColumnSpec("state_external_label", .text, .anyOf([["ticket_state", "external_label"]])),
            col("previous_ticket_state_id", .id),
            col("title", .text, "ticket_attributes", "_default_title_"),
            col("description", .text, "ticket_attributes", "_default_description_"),
            col("admin_assignee_id", .assignee), col("team_assignee_id", .assignee),
            col("created_at", .timestamp), col("updated_at", .timestamp), col("open", .boolean), col("snoozed_until", .timestamp),
            col("is_shared", .boolean), col("parts_total_count", .integer, "ticket_parts", "total_count"),
            ColumnSpec("parts_truncated", .boolean, .computed),
            col("linked_objects_total_count", .integer, "linked_objects", "total_count"),
            keyed("ticket_attributes"),
        ]),
        TableSpec("ticket_contacts", key: ["ticket_id", "contact_id"], raw: false, indexes: [["contact_id"]], columns: [
            ColumnSpec("ticket_id", .id, .owner), col("contact_id", .id, "id"),
        ]),
        TableSpec("ticket_tags", key: ["ticket_id", "tag_id"], raw: false, indexes: [["tag_id"]], columns: [
            ColumnSpec("ticket_id", .id, .owner), col("tag_id", .id, "id"),
        ]),
        // Linked conversations and tickets (Intercom lists a ticket link on both tickets).
        TableSpec("ticket_links", key: ["ticket_id", "linked_type", "linked_id"], raw: false, indexes: [["linked_id", "linked_type"]], columns: [
            ColumnSpec("ticket_id", .id, .owner), col("linked_type", .text, "type"), col("linked_id", .id, "id"),
            col("category", .text),
        ]),
        TableSpec("ticket_parts", indexes: [["ticket_id", "created_at"]], columns: [
            col("id", .id), ColumnSpec("ticket_id", .id, .owner), col("type", .text), col("part_type", .text),
            col("body", .text), col("previous_ticket_state", .text), col("ticket_state", .text),
            col("created_at", .timestamp), col("updated_at", .timestamp),
            col("assigned_to_type", .text, "assigned_to", "type"), col("assigned_to_id", .id, "assigned_to", "id"),
            col("author_type", .text, "author", "type"), col("author_id", .id, "author", "id"),
            col("author_name", .text, "author", "name"), col("author_email", .text, "author", "email"),
            col("external_id", .text), col("redacted", .boolean), col("app_package_code", .text),
            col("updated_attribute_id", .id, "updated_attribute_data", "attribute", "id"),
            col("updated_attribute_label", .text, "updated_attribute_data", "attribute", "label"),
            col("updated_attribute_value", .label, "updated_attribute_data", "value", "label"),
        ]),
        // One row per ticket, rewritten with it and its parts (`TicketMetrics` defines each column).
        TableSpec("ticket_metrics", key: ["ticket_id"], raw: false, columns: [
            ColumnSpec("ticket_id", .id, .computed),
            metric("first_admin_reply_at", .timestamp), metric("time_to_first_admin_reply", .integer),
            metric("first_resolved_at", .timestamp), metric("last_resolved_at", .timestamp),
            metric("time_to_first_resolved", .integer), metric("time_to_last_resolved", .integer),
            metric("seconds_submitted", .integer), metric("seconds_in_progress", .integer),
            metric("seconds_waiting_on_customer", .integer), metric("seconds_resolved", .integer),
            metric("current_state_category", .text), metric("current_state_since", .timestamp),
            metric("count_reopens", .integer), metric("count_state_changes", .integer), metric("count_assignments", .integer),
            metric("count_parts", .integer), metric("count_admin_replies", .integer), metric("count_contact_replies", .integer),
            metric("parts_truncated", .boolean),
        ]),
        TableSpec("data_attributes", columns: [
            ColumnSpec("id", .id, .joined([["model"], ["full_name"]])), col("intercom_id", .id, "id"), col("type", .text),
            col("model", .text), col("name", .text), col("full_name", .text), col("label", .text), col("description", .text),
            col("data_type", .text), col("custom", .boolean), col("archived", .boolean), col("api_writable", .boolean),
            col("ui_writable", .boolean), col("messenger_writable", .boolean),
        ]),
        TableSpec("event_summaries", indexes: [["contact_id"]], columns: [
            ColumnSpec("id", .id, .joined([["contact_id"], ["name"]])), col("contact_id", .id), col("name", .text),
            col("first", .timestamp), col("last", .timestamp), col("count", .integer), col("description", .text),
        ]),
        TableSpec("articles", columns: [
            col("id", .id), col("type", .text), col("workspace_id", .text), col("title", .text), col("description", .text),
            col("body", .text), col("author_id", .id), col("state", .text), col("created_at", .timestamp),
            col("updated_at", .timestamp), col("url", .text), col("default_locale", .text),
        ]),
    ]

    /// The resources a sync mirrors, by the names `--resources` and `/sync` use (the sync's `SyncResource` has one case
    /// each); `/sync` lists every one, `never` until it has run.
    public static let resources = ["admins", "teams", "tags", "segments", "data_attributes", "articles", "companies",
                                   "contacts", "conversations", "event_summaries", "ticket_types", "ticket_states", "tickets"]

    /// The table named `name`; the catalog is static, so a wrong name is a programming error.
    public static func table(_ name: String) -> TableSpec {
        guard let table = tables.first(where: { $0.name == name }) else { preconditionFailure("no table \(name) in the catalog") }
        return table
    }

    /// The child tables of `table`, recursively (parts own part attachments).
    public static func descendants(of table: TableSpec) -> [(ChildSpec, TableSpec)] {
        table.children.flatMap { child in
            let spec = Catalog.table(child.table)
            return [(child, spec)] + descendants(of: spec)
        }
    }
}

extension Catalog {
    /// Tables keyed by contact id that are not embedded children: removed with the contact.
    public static let dependents: [String: [(table: String, column: String)]] = [
        "contacts": [("notes", "contact_id"), ("event_summaries", "contact_id"), ("contact_segments", "contact_id"),
                     ("conversation_contacts", "contact_id"), ("ticket_contacts", "contact_id")],
        "companies": [("contact_companies", "company_id")],
        "tags": [("contact_tags", "tag_id"), ("company_tags", "tag_id"), ("conversation_tags", "tag_id"), ("ticket_tags", "tag_id")],
        "segments": [("contact_segments", "segment_id"), ("company_segments", "segment_id")],
        "teams": [("team_admins", "team_id")],
        "conversations": [("conversation_metrics", "conversation_id")],
        "tickets": [("ticket_metrics", "ticket_id")],
    ]

    /// Conversation parts, capped by Intercom at the 500 most recent.
    public static let partsTruncation = TruncationSpec(table: "conversations", flag: "parts_truncated", total: "parts_total_count",
                                                       parts: "conversation_parts", owner: "conversation_id")
    /// Ticket parts, capped the same way.
    public static let ticketPartsTruncation = TruncationSpec(table: "tickets", flag: "parts_truncated", total: "parts_total_count",
                                                             parts: "ticket_parts", owner: "ticket_id")
    /// Every capped part list, for `/sync`'s `truncated` of each resource.
    public static let truncations = [partsTruncation, ticketPartsTruncation]

    /// Tables a resource's pass fills besides its own and its children: a contact pass fetches notes, a segment sweep
    /// rebuilds segment membership.
    public static let fetchedAlongside: [String: [String]] = ["contacts": ["notes"], "segments": ["contact_segments"]]

    /// Where other resources point at a contact: a merge moves these to the surviving contact. The survivor's own
    /// lists (tags, companies, notes) are not moved: Intercom's copy of the survivor says what it now holds.
    public static let contactReferences: [(table: String, column: String)] = [("conversation_contacts", "contact_id"),
                                                                               ("ticket_contacts", "contact_id")]
}

/// The catalog's tables by name, for code that works on one of them (the sync's passes, the merge of contacts).
extension TableSpec {
    public static let admins = Catalog.table("admins")
    public static let teams = Catalog.table("teams")
    public static let tags = Catalog.table("tags")
    public static let segments = Catalog.table("segments")
    public static let contacts = Catalog.table("contacts")
    public static let contactTags = Catalog.table("contact_tags")
    public static let contactCompanies = Catalog.table("contact_companies")
    public static let contactSegments = Catalog.table("contact_segments")
    public static let notes = Catalog.table("notes")
    public static let companies = Catalog.table("companies")
    public static let conversations = Catalog.table("conversations")
    public static let conversationContacts = Catalog.table("conversation_contacts")
    public static let conversationTags = Catalog.table("conversation_tags")
    public static let conversationParts = Catalog.table("conversation_parts")
    public static let conversationMetrics = Catalog.table("conversation_metrics")
    public static let dataAttributes = Catalog.table("data_attributes")
    public static let eventSummaries = Catalog.table("event_summaries")
    public static let articles = Catalog.table("articles")
    public static let ticketTypes = Catalog.table("ticket_types")
    public static let ticketStates = Catalog.table("ticket_states")
    public static let tickets = Catalog.table("tickets")
    public static let ticketParts = Catalog.table("ticket_parts")
    public static let ticketMetrics = Catalog.table("ticket_metrics")
}
