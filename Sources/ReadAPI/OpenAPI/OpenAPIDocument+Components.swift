import IntercomAPI
import MirrorStore

extension OpenAPIDocument {
    static var components: JSON {
        .object([
            ("securitySchemes", .object([
                ("bearer", .object([("type", .string("http")), ("scheme", .string("bearer"))])),
                ("basic", .object([("type", .string("http")), ("scheme", .string("basic")),
                                   ("description", .string("For browsers: any user name, one of INTERCACHE_API_KEYS as the password"))])),
            ])),
            ("parameters", parameters),
            ("responses", responses),
            ("schemas", .object(schemas)),
        ])
    }

    static var parameters: JSON {
        func param(_ name: String, _ description: String, _ schema: [(String, JSON)]) -> (String, JSON) {
            (name, .object([("name", .string(name)), ("in", .string("query")), ("description", .string(description)),
                            ("required", .bool(false)), ("schema", .object(schema))]))
        }
        return .object([
            ("id", .object([("name", .string("id")), ("in", .string("path")), ("required", .bool(true)),
                            ("schema", .object([("type", .string("string"))]))])),
            param("limit", "Items per page (default \(ListQuery.defaultLimit))",
                  [("type", .string("integer")), ("minimum", .int(1)), ("maximum", .int(ListQuery.maxLimit))]),
            param("cursor", "next_cursor of the previous page, unchanged", [("type", .string("string"))]),
            param("sort", "field or -field (descending); id breaks ties", [("type", .string("string"))]),
            param("fields", "Comma list of fields to return", [("type", .string("string"))]),
            param("count", "true adds total_count", [("type", .string("boolean"))]),
            param("format", "json (default), or csv / ndjson to stream the whole list",
                  [("type", .string("string")), ("enum", .array(["json", "csv", "ndjson"].map(JSON.string)))]),
            param("group_by", "Comma list of fields to count by", [("type", .string("string"))]),
        ] + filterParameterComponents)
    }

    static var responses: JSON {
        func error(_ description: String) -> JSON {
            .object([("description", .string(description)), ("content", .object([("application/json", schemaRef("Error"))]))])
        }
        return .object([
            ("BadRequest", error("Unknown field or operator, bad value, number or cursor")),
            ("Unauthorized", error("INTERCACHE_API_KEYS is set and no valid Authorization: Bearer key was sent")),
            ("NotFound", error("No item with that id in the mirror (route_not_found: no such route, or webhooks are off)")),
            ("BadSignature", error("bad_signature: X-Hub-Signature is missing or does not match the body")),
            ("TooLarge", error("payload_too_large: the body is over a megabyte")),
            ("Unavailable", error("query_timeout: the query ran past its budget; not_ready: no sync has completed; database_unavailable: the mirror's PostgreSQL did not answer")),
            ("NotModified", .object([("description", .string("Unchanged since the ETag sent in If-None-Match"))])),
        ])
    }

    static var schemas: [(String, JSON)] {
        let nullableInteger = JSON.object([("type", .string("integer")), ("nullable", .bool(true))])
        let nullableString = JSON.object([("type", .string("string")), ("nullable", .bool(true))])
        let integer = JSON.object([("type", .string("integer"))])
        func object(_ properties: [(String, JSON)], required: [String] = [], description: String? = nil) -> JSON {
            var members: [(String, JSON)] = [("type", .string("object"))]
            if let description { members.append(("description", .string(description))) }
            if !required.isEmpty { members.append(("required", .array(required.map(JSON.string)))) }
            members.append(("properties", .object(properties)))
            return .object(members)
        }
        func counts() -> JSON { .object([("type", .string("object")), ("additionalProperties", .object([("type", .string("integer"))]))]) }
        var schemas: [(String, JSON)] = [
            ("Error", object([
                ("error", object([
                    ("status", .object([("type", .string("integer"))])), ("code", .object([("type", .string("string"))])),
                    ("message", .object([("type", .string("string"))])), ("hint", .object([("type", .string("string"))])),
                ], required: ["status", "code", "message"])),
                ("request_id", .object([("type", .string("string"))])),
            ], required: ["error", "request_id"])),
            ("GroupCounts", object([("data", .object([("type", .string("array")), ("items", .object([
                ("type", .string("object")), ("required", .array([.string("count")])),
                ("properties", .object([("count", .object([("type", .string("integer"))]))])),
            ]))]))], required: ["data"])),
            ("Aggregate", object([
                ("data", .object([("type", .string("array")), ("items", .object([
                    ("type", .string("object")),
                    ("description", .string("bucket (local ISO 8601) and bucket_start (unix seconds) when bucketed, the group_by fields, then one key per measure as written in measures=")),
                    ("properties", .object([("bucket", nullableString), ("bucket_start", nullableInteger)])),
                ]))])),
                ("bucket", .object([("type", .string("object")), ("properties", .object([
                    ("field", .object([("type", .string("string"))])), ("unit", .object([("type", .string("string"))])),
                    ("tz", .object([("type", .string("string"))])),
                ]))])),
            ], required: ["data"])),
            ("Scorecard", object([
                ("data", .object([("type", .string("array")), ("items", object([
                    ("id", nullableString), ("conversations_assigned", integer), ("open", integer), ("snoozed", integer),
                    ("closed", integer), ("conversations_last_closed", integer),
                    ("median_time_to_first_response", nullableInteger), ("p90_time_to_first_response", nullableInteger),
                    ("median_time_to_last_close", nullableInteger), ("median_median_time_to_reply", nullableInteger),
                    ("median_reopens", nullableInteger), ("median_assignments", nullableInteger),
                    ("mean_rating", .object([("type", .string("number")), ("nullable", .bool(true))])),
                ], required: ["id", "conversations_assigned"]))])),
                ("created", .object([("type", .string("object"))])),
            ], required: ["data"])),
            ("Counts", dashboardSchema(object: { object($0, required: $1) }, counts: counts())),
            ("SearchResults", object([("data", .object([("type", .string("array")), ("items", object([
                ("kind", .object([("type", .string("string")), ("enum", .array(Schema.searchKinds.map(JSON.string)))])),
                ("id", .object([("type", .string("string"))])), ("conversation_id", nullableString), ("contact_id", nullableString),
                ("snippet", .object([("type", .string("string")), ("nullable", .bool(true)),
                                     ("description", .string("Text around the match (bodies as text, without their HTML), each match in [ ]"))])),
                ("rank", .object([("type", .string("number"))])),
            ], required: ["kind", "id"]))]))], required: ["data"])),
            ("SyncStatus", object([
                ("data", .object([("type", .string("array")), ("items", object([
                    ("resource", .object([("type", .string("string"))])),
                    ("status", .object([("type", .string("string")), ("enum", .array(["ok", "unavailable", "failed", "never"].map(JSON.string))),
                                        ("description", .string("unavailable: Intercom refused the resource to this token (401 token_unauthorized, 403, or 404 on its listing); its rows are kept and every pass tries again"))])),
                    ("reason", .object([("type", .string("object")), ("nullable", .bool(true)),
                                        ("description", .string("Intercom's http_status, code, message and endpoint when unavailable; message when failed"))])),
                    ("stale", .object([("type", .string("boolean"))])),
                    ("drift", object([("values", integer), ("fields", .object([("type", .string("object"))]))])),
                    ("sub_resources", .object([("type", .string("array")), ("items", object([
                        ("scope", .object([("type", .string("string"))])), ("status", .object([("type", .string("string"))])),
                        ("reason", .object([("type", .string("object")), ("nullable", .bool(true))])),
                        ("since", nullableInteger), ("checked_at", nullableInteger),
                    ], required: ["scope", "status"]))])),
                    ("deletions", .object([("type", .string("object"))])),
                    ("notes", .object([("type", .string("array")), ("items", .object([("type", .string("string"))]))])),
                    ("mode", nullableString),
                    ("last_success_at", nullableInteger), ("newest_change_at", nullableInteger),
                    ("lag_seconds", nullableInteger), ("seconds_since_success", nullableInteger),
                    ("last_incremental_at", nullableInteger), ("last_full_sweep_at", nullableInteger),
                    ("rows", nullableInteger), ("intercom_total", nullableInteger), ("mirrored_at_count", nullableInteger),
                    ("mismatch", .object([("type", .string("boolean"))])), ("truncated_conversations", nullableInteger),
                    ("truncated", nullableInteger),
                    ("last_error", nullableString), ("last_run", .object([("type", .string("object"))])),
                    ("webhooks", object([("received", integer), ("applied", integer)])),
                ], required: ["resource", "status"]))])),
                ("unavailable", .object([("type", .string("array")), ("items", .object([("type", .string("object"))])),
                                         ("description", .string("Every resource and sub-resource Intercom refused to this token, with the reason"))])),
                ("intercom", .object([("type", .string("object")),
                                      ("description", .string("When the sync runs in this process: the host, whether the token was accepted (credentials ok, rejected or unknown) and the workspace /me named"))])),
                ("schedule", object([
                    ("interval_seconds", integer), ("full_sweep_interval_seconds", integer),
                    ("running", .object([("type", .string("boolean"))])), ("running_since", nullableInteger),
                    ("running_full", .object([("type", .string("boolean"))])),
                    ("next_pass_at", nullableInteger), ("next_pass_full", .object([("type", .string("boolean"))])),
                    ("next_full_sweep_at", nullableInteger),
                ], description: "When serve's scheduler runs: the pass under way, and when the next pass and the next full sweep start (absent for a one-off sync)")),
                ("generation", nullableInteger), ("last_write_at", nullableInteger),
                ("engine", object([("name", .object([("type", .string("string")), ("enum", .array(["sqlite", "postgres"].map(JSON.string)))])),
                                   ("location", .object([("type", .string("string"))]))],
                                  description: "The mirror's engine and where it lives (a PostgreSQL URL without its password)")),
                ("replica", object([("id", nullableString), ("role", nullableString),
                                    ("leader", .object([("type", .string("object")), ("nullable", .bool(true))]))],
                                   description: "Which replica answered, whether it leads (runs the sync and applies webhooks), and the leader the database records (PostgreSQL)")),
                ("webhooks", object([
                    ("enabled", .object([("type", .string("boolean"))])), ("received", integer), ("rejected", integer),
                    ("rejected_by_reason", counts()), ("applied", integer), ("duplicates", integer), ("ignored", integer),
                    ("failed", integer), ("overflowed", integer), ("pending", integer),
                    ("last_received_at", nullableInteger), ("last_applied_at", nullableInteger),
                ], required: ["enabled"])),
            ], required: ["data", "webhooks"])),
            ("Notification", object([
                ("type", .object([("type", .string("string")), ("enum", .array([.string("notification_event")]))])),
                ("id", .object([("type", .string("string"))])), ("topic", .object([("type", .string("string"))])),
                ("app_id", .object([("type", .string("string"))])), ("created_at", integer), ("delivery_attempts", integer),
                ("first_sent_at", integer),
                ("data", object([("item", .object([("type", .string("object"))]))])),
            ], required: ["type", "id", "topic", "data"])),
            ("WebhookReceipt", object([
                ("status", .object([("type", .string("string")),
                                    ("enum", .array(["queued", "merged", "duplicate", "ignored", "overflowed"].map(JSON.string)))])),
                ("id", .object([("type", .string("string"))])), ("topic", .object([("type", .string("string"))])),
            ], required: ["status", "id", "topic"])),
        ]
        var seen = Set<String>()
        for resource in ReadResource.all {
            let name = schemaName(resource)
            guard seen.insert(name).inserted else { continue }
            schemas.append((name, itemSchema(resource.table)))
            schemas.append(("\(name)List", object([
                ("data", .object([("type", .string("array")), ("items", ref("schemas", name))])),
                ("next_cursor", nullableString), ("total_count", .object([("type", .string("integer"))])),
            ], required: ["data", "next_cursor"])))
        }
        for (_, _, view) in Catalog.itemViews { schemas.append((schemaName(view), itemSchema(view.table))) }
        for resource in ReadResource.all where !resource.embeds.isEmpty {
            var detail = itemProperties(resource.table)
            var required = ["id"]
            for embed in resource.embeds {
                switch embed {
                case let .ids(key, _, _, _):
                    detail.append((key, .object([("type", .string("array")), ("items", .object([("type", .string("string"))]))])))
                case let .rows(key, child, _, _):
                    detail.append((key, .object([("type", .string("array")), ("items", ref("schemas", schemaName(.named(child))))])))
                    required.append(key)
                }
            }
            schemas.append((detailSchemaName(resource), object(detail, required: required)))
        }
        return schemas
    }

    /// The `/counts` schema from `Catalog.dashboard`: a total is an integer, a grouped count an object of counts;
    /// the top-level objects holding several counts are required.
    static func dashboardSchema(object: ([(String, JSON)], [String]) -> JSON, counts: JSON) -> JSON {
        func properties(_ entries: [(path: [String], grouped: Bool)]) -> (properties: [(String, JSON)], nested: [String]) {
            var keys: [String] = [], grouped: [String: [(path: [String], grouped: Bool)]] = [:]
            for entry in entries {
                guard let head = entry.path.first else { continue }
                if grouped[head] == nil { keys.append(head) }
                grouped[head, default: []].append((Array(entry.path.dropFirst()), entry.grouped))
            }
            var nested: [String] = []
            let members: [(String, JSON)] = keys.map { key in
                let children = grouped[key]!
                if children.count == 1, children[0].path.isEmpty {
                    return (key, children[0].grouped ? counts : .object([("type", .string("integer"))]))
                }
                nested.append(key)
                return (key, object(properties(children).properties, []))
            }
            return (members, nested)
        }
        let top = properties(Catalog.dashboard.map { ($0.path, $0.groupBy != nil) })
        return object(top.properties, top.nested)
    }

    /// An item: no property is required, since `fields=` may project any of them away.
    static func itemSchema(_ table: TableSpec) -> JSON {
        .object([("type", .string("object")), ("properties", .object(itemProperties(table)))])
    }

    /// One property per catalog column, typed by its kind; any value but the id may be null.
    static func itemProperties(_ table: TableSpec) -> [(String, JSON)] {
        table.columns.map { column in
            let type: String? = switch column.kind {
            case .text, .id, .assignee, .label: "string"
            case .integer, .timestamp: "integer"
            case .real: "number"
            case .boolean: "boolean"
            case .json: nil
            }
            guard let type else { return (column.name, .object([("nullable", .bool(true))])) }
            var schema: [(String, JSON)] = [("type", .string(type))]
            if column.name != "id" { schema.append(("nullable", .bool(true))) }
            return (column.name, .object(schema))
        }
    }
}
