import Foundation
import GRDB

/// The mirror's schema on PostgreSQL: the same catalog tables and column names as on SQLite (JSON columns `jsonb`,
/// text compared in byte order), the same bookkeeping tables, full-text search as a `tsvector` column under a GIN
/// index, and the tables replicas share (`replica_leader`, `webhook_queue`). Migrations are named and append-only,
/// recorded in `intercache_migrations`.
enum PostgresSchema {
    static let dialect = PostgresDialect()

    /// The named migrations, in order. Never edit a shipped one; add the next.
    static let migrations: [(name: String, statements: @Sendable () -> [String])] = [
        ("pg-v1-catalog", catalogStatements),
        ("pg-v2-replicas", replicaStatements),
        ("pg-v3-search-text", searchTextStatements),
        ("pg-v4-search-statement-triggers", searchTriggerStatements),
    ]

    /// Creates the schema if needed and applies the migrations it has not had, in the caller's transaction, holding a
    /// transaction-level advisory lock so replicas that start together migrate once. Catalog columns added since a
    /// table was made are added after (as `registerColumnMigration` does on SQLite).
    static func migrate(_ sql: PostgresRunner, schema: String) throws {
        try sql.execute("SELECT pg_advisory_xact_lock(\(migrationLock(schema: schema)))", [])
        try sql.execute("CREATE SCHEMA IF NOT EXISTS \(Schema.quoted(schema))", [])
        try sql.execute("SET search_path TO \(Schema.quoted(schema)), public", [])
        try sql.execute("CREATE TABLE IF NOT EXISTS intercache_migrations (name TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)", [])
        let applied = Set(try sql.strings("SELECT name FROM intercache_migrations"))
        for migration in migrations where !applied.contains(migration.name) {
            for statement in migration.statements() { try sql.execute(statement, []) }
            try sql.run("INSERT INTO intercache_migrations (name, applied_at) VALUES (?, ?)", migration.name, Int(Date().timeIntervalSince1970))
        }
        let existing = try sql.fetch("SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = ?", schema)
        var columns: [String: Set<String>] = [:]
        for row in existing { columns[row[0].string ?? "", default: []].insert(row[1].string ?? "") }
        for table in Catalog.tables {
            for column in table.columns where !(columns[table.name]?.contains(column.name) ?? true) {
                try sql.execute("ALTER TABLE \(Schema.quoted(table.name)) ADD COLUMN \(Schema.quoted(column.name)) \(dialect.columnType(column.kind))", [])
            }
            for statement in Schema.createIndexes(table).split(separator: ";\n").map(String.init) where !statement.isEmpty {
                try sql.execute(statement, [])
            }
        }
    }

    /// The key of the migration's advisory lock for the mirror in `schema`: replicas of one mirror migrate one at a time,
    /// and mirrors in other schemas of the database do not wait for each other (advisory locks span the database).
    static func migrationLock(schema: String) -> Int64 { Leadership.advisoryKey("intercache.migration.\(schema)") }

    /// A catalog table: its columns as the dialect types them, `raw` and the sweep stamp on resource tables.
    static func createTable(_ table: TableSpec) -> String {
        var lines = table.columns.map { "\(Schema.quoted($0.name)) \(dialect.columnType($0.kind))" }
        if table.keepsRaw {
            lines.append("raw \(dialect.rawType) NOT NULL")
            lines.append("\(Schema.sweepColumn) BIGINT NOT NULL DEFAULT 0")
        }
        lines.append("PRIMARY KEY (\(table.primaryKey.map(Schema.quoted).joined(separator: ", ")))")
        return "CREATE TABLE \(Schema.quoted(table.name)) (\n  \(lines.joined(separator: ",\n  "))\n)"
    }

    static func catalogStatements() -> [String] {
        let text = dialect.columnType(.text)
        var statements = Catalog.tables.map(createTable)
        statements += [
            """
            CREATE TABLE sync_state (
                resource \(text) PRIMARY KEY, mode TEXT NOT NULL DEFAULT 'idle', position TEXT, watermark BIGINT,
                pass_started_at BIGINT, sweep_generation BIGINT NOT NULL DEFAULT 0, last_incremental_at BIGINT,
                last_full_sweep_at BIGINT, last_success_at BIGINT, last_error TEXT, updated_at BIGINT NOT NULL)
            """,
            """
            CREATE TABLE sync_runs (
                id BIGSERIAL PRIMARY KEY, resource \(text) NOT NULL, mode TEXT NOT NULL, started_at BIGINT NOT NULL,
                finished_at BIGINT, status TEXT NOT NULL DEFAULT 'running', rows_written BIGINT NOT NULL DEFAULT 0,
                deleted BIGINT NOT NULL DEFAULT 0, mirrored_total BIGINT, intercom_total BIGINT, mismatch BIGINT NOT NULL DEFAULT 0,
                truncated BIGINT NOT NULL DEFAULT 0, api_calls BIGINT NOT NULL DEFAULT 0, error TEXT, http_status BIGINT,
                error_code TEXT, endpoint TEXT, drift_values BIGINT NOT NULL DEFAULT 0, drift_fields TEXT, notes TEXT)
            """,
            "CREATE INDEX sync_runs_resource ON sync_runs(resource, id)",
            """
            CREATE TABLE deletions (
                resource \(text) NOT NULL, id \(text) NOT NULL, reason TEXT NOT NULL, merged_into TEXT,
                detected_at BIGINT NOT NULL, PRIMARY KEY (resource, id))
            """,
            """
            CREATE TABLE sync_access (
                scope \(text) PRIMARY KEY, resource \(text) NOT NULL, status TEXT NOT NULL, http_status BIGINT, code TEXT,
                message TEXT, endpoint TEXT, since BIGINT NOT NULL, checked_at BIGINT NOT NULL)
            """,
            """
            CREATE TABLE webhook_deliveries (
                notification_id \(text) PRIMARY KEY, topic TEXT NOT NULL, resource TEXT NOT NULL, item_id TEXT NOT NULL,
                notified_at BIGINT, applied_at BIGINT NOT NULL, outcome TEXT NOT NULL)
            """,
            "CREATE INDEX webhook_deliveries_applied ON webhook_deliveries(applied_at)",
            """
            CREATE TABLE mirror_generation (
                id BIGINT PRIMARY KEY CHECK (id = 1), generation BIGINT NOT NULL, changed_at BIGINT NOT NULL)
            """,
            "INSERT INTO mirror_generation (id, generation, changed_at) VALUES (1, 0, 0)",
            // The search index: one document per row of each search source, its text computed in Swift at flush
            // (HTML bodies as the text they show, as on SQLite), tokenized by the `simple` configuration (no stemming,
            // as FTS5's unicode61).
            """
            CREATE TABLE search_documents (
                kind \(text) NOT NULL, ref \(text) NOT NULL, conversation_id TEXT, contact_id TEXT, body TEXT NOT NULL,
                document tsvector GENERATED ALWAYS AS (to_tsvector('simple', body)) STORED, PRIMARY KEY (kind, ref))
            """,
            "CREATE INDEX search_documents_document ON search_documents USING GIN (document)",
            "CREATE TABLE search_pending (kind \(text) NOT NULL, ref \(text) NOT NULL, PRIMARY KEY (kind, ref))",
            """
            CREATE FUNCTION intercache_search_queue() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF TG_OP <> 'INSERT' THEN INSERT INTO search_pending (kind, ref) VALUES (TG_ARGV[0], OLD.id) ON CONFLICT DO NOTHING; END IF;
              IF TG_OP <> 'DELETE' THEN INSERT INTO search_pending (kind, ref) VALUES (TG_ARGV[0], NEW.id) ON CONFLICT DO NOTHING; END IF;
              RETURN NULL;
            END $$
            """,
        ]
        for source in Catalog.searchSources {
            statements.append("""
                CREATE TRIGGER \(Schema.quoted("search_\(source.kind)")) AFTER INSERT OR UPDATE OR DELETE ON \(Schema.quoted(source.table))
                FOR EACH ROW EXECUTE FUNCTION intercache_search_queue('\(source.kind)')
                """)
        }
        statements += Schema.seedViews
        return statements
    }

    /// The search document's words with `<` and `>` read as spaces: PostgreSQL's parser takes what looks like a tag
    /// for markup and drops it, with the words inside (`x<y and z>w` kept x and w; a name `<script>zorblax()</script>`
    /// lost zorblax), where FTS5 indexes every word. Bodies are text by then (`HTMLText.plain`), so nothing is markup.
    static func searchTextStatements() -> [String] {
        [
            "ALTER TABLE search_documents DROP COLUMN document",
            "ALTER TABLE search_documents ADD COLUMN document tsvector GENERATED ALWAYS AS (to_tsvector('simple', translate(body, '<>', '  '))) STORED",
            "CREATE INDEX search_documents_document ON search_documents USING GIN (document)",
        ]
    }

    /// The search queue fed once per statement, from its transition tables, instead of once per row: the writer sends
    /// hundreds of rows to a statement, and a PL/pgSQL call and an insert for each row cost the server more than the
    /// rows themselves. An upsert fires the insert trigger for the rows it inserted and the update trigger for the
    /// rest. (Transition tables need one trigger per event.)
    static func searchTriggerStatements() -> [String] {
        var statements = [
            """
            CREATE FUNCTION intercache_search_queue_rows() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF TG_OP <> 'INSERT' THEN
                INSERT INTO search_pending (kind, ref) SELECT DISTINCT TG_ARGV[0], id FROM old_rows ON CONFLICT DO NOTHING;
              END IF;
              IF TG_OP <> 'DELETE' THEN
                INSERT INTO search_pending (kind, ref) SELECT DISTINCT TG_ARGV[0], id FROM new_rows ON CONFLICT DO NOTHING;
              END IF;
              RETURN NULL;
            END $$
            """,
        ]
        for source in Catalog.searchSources {
            let table = Schema.quoted(source.table)
            statements.append("DROP TRIGGER IF EXISTS \(Schema.quoted("search_\(source.kind)")) ON \(table)")
            for (event, tables) in [("INSERT", "NEW TABLE AS new_rows"), ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
                                    ("DELETE", "OLD TABLE AS old_rows")] {
                statements.append("""
                    CREATE TRIGGER \(Schema.quoted("search_\(source.kind)_\(event.lowercased())")) AFTER \(event) ON \(table)
                    REFERENCING \(tables) FOR EACH STATEMENT EXECUTE FUNCTION intercache_search_queue_rows('\(source.kind)')
                    """)
            }
        }
        statements.append("DROP FUNCTION intercache_search_queue()")
        return statements
    }

    /// What replicas share: which one leads (the advisory lock decides; this row says who holds it), and the
    /// webhooks any replica verified, queued until the leader applies them.
    static func replicaStatements() -> [String] {
        let text = dialect.columnType(.text)
        return [
            """
            CREATE TABLE replica_leader (
                id BIGINT PRIMARY KEY CHECK (id = 1), replica TEXT NOT NULL, since BIGINT NOT NULL, heartbeat_at BIGINT NOT NULL)
            """,
            """
            CREATE TABLE webhook_queue (
                seq BIGSERIAL PRIMARY KEY, notification_id \(text) NOT NULL UNIQUE, body TEXT NOT NULL,
                received_at BIGINT NOT NULL, received_by TEXT NOT NULL)
            """,
        ]
    }

    // MARK: - Search

    /// One search document; the writer sends these many rows at a time (`PostgresWriteCombiner`).
    static let searchInsert = "INSERT INTO search_documents (kind, ref, conversation_id, contact_id, body) VALUES (?, ?, ?, ?, ?)"

    /// Brings `search_documents` up to date with the rows the triggers queued, in the caller's transaction.
    ///
    /// The queue is read here and its rows found by key, a few hundred to a statement, rather than joined to in SQL: the
    /// planner cannot know the queue's size. It is emptied before every commit, so ANALYZE and autovacuum find it empty
    /// and its estimate comes from its pages on disk, dead rows and all. In a full sync it guessed 63,000 rows where
    /// 950 were queued, and hashed `search_documents` whole on every flush, a scan that grew with the mirror.
    static func flushSearchIndex(_ sql: any SQLRunner) throws {
        var queued: [String: [String]] = [:]
        for row in try sql.fetch("SELECT kind, ref FROM search_pending") {
            if let kind = row[0].string, let ref = row[1].string { queued[kind, default: []].append(ref) }
        }
        guard !queued.isEmpty else { return }
        let insert = searchInsert
        for source in Catalog.searchSources {
            guard let refs = queued[source.kind] else { continue }
            let columns = (source.text + [source.conversationID, source.contactID].compactMap { $0 }).map(Schema.quoted)
            for chunk in PostgresWriteCombiner.chunks(refs.count, width: 1) {
                let ids = refs[chunk].map(\.databaseValue)
                let list = MirrorTransaction.placeholders(ids.count)
                try sql.execute("DELETE FROM search_documents WHERE kind = ? AND ref IN (\(list))", [source.kind.databaseValue] + ids)
                let rows = try sql.rows("SELECT id, \(columns.joined(separator: ", ")) FROM \(Schema.quoted(source.table)) WHERE id IN (\(list))",
                                        ids, limit: .max)
                for row in rows {
                    let body = source.text.enumerated().map { offset, column in
                        let value = row[offset + 1].string ?? ""
                        return source.html.contains(column) ? HTMLText.plain(value) : value
                    }.joined(separator: " ").trimmingCharacters(in: .whitespaces)
                    guard !body.isEmpty else { continue }
                    var next = source.text.count + 1
                    func take(_ column: String?) -> String? {
                        guard column != nil else { return nil }
                        defer { next += 1 }
                        return row[next].string
                    }
                    let conversation = take(source.conversationID), contact = take(source.contactID)
                    try sql.run(insert, source.kind, row[0].string, conversation, contact, body)
                }
            }
        }
        try sql.execute("DELETE FROM search_pending", [])
    }
}
