import IntercomAPI
import GRDB

/// The mirror's schema: tables generated from the catalog, the sync bookkeeping tables, and the seed views.
public enum Schema {
    /// Hidden column on resource tables: the full-sweep generation that last saw the row.
    static let sweepColumn = "_sweep"

    /// Named, append-only migrations.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-catalog") { db in
            for table in Catalog.tables { try db.execute(sql: createTable(table)) }
            try db.execute(sql: """
                CREATE TABLE sync_state (
                    resource TEXT PRIMARY KEY,
                    mode TEXT NOT NULL DEFAULT 'idle',
                    position TEXT,
                    watermark INTEGER,
                    pass_started_at INTEGER,
                    sweep_generation INTEGER NOT NULL DEFAULT 0,
                    last_incremental_at INTEGER,
                    last_full_sweep_at INTEGER,
                    last_success_at INTEGER,
                    last_error TEXT,
                    updated_at INTEGER NOT NULL
                );
                CREATE TABLE sync_runs (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    resource TEXT NOT NULL,
                    mode TEXT NOT NULL,
                    started_at INTEGER NOT NULL,
                    finished_at INTEGER,
                    status TEXT NOT NULL DEFAULT 'running',
                    rows_written INTEGER NOT NULL DEFAULT 0,
                    deleted INTEGER NOT NULL DEFAULT 0,
                    mirrored_total INTEGER,
                    intercom_total INTEGER,
                    mismatch INTEGER NOT NULL DEFAULT 0,
                    truncated INTEGER NOT NULL DEFAULT 0,
                    api_calls INTEGER NOT NULL DEFAULT 0,
                    error TEXT
                );
                CREATE INDEX sync_runs_resource ON sync_runs(resource, id);
                CREATE TABLE deletions (
                    resource TEXT NOT NULL,
                    id TEXT NOT NULL,
                    reason TEXT NOT NULL,
                    merged_into TEXT,
                    detected_at INTEGER NOT NULL,
                    PRIMARY KEY (resource, id)
                );
                """)
            for view in seedViews { try db.execute(sql: view) }
        }
        registerReadAPIMigration(&migrator)
        registerWebhookMigration(&migrator)
        registerBatchedSearchMigration(&migrator)
        return migrator
    }

    static func createTable(_ table: TableSpec) -> String {
        var lines = table.columns.map { "\(quoted($0.name)) \($0.kind.sqlType)" }
        if table.keepsRaw {
            lines.append("raw TEXT NOT NULL")
            lines.append("\(sweepColumn) INTEGER NOT NULL DEFAULT 0")
        }
        lines.append("PRIMARY KEY (\(table.primaryKey.map(quoted).joined(separator: ", ")))")
        return "CREATE TABLE \(quoted(table.name)) (\n  \(lines.joined(separator: ",\n  "))\n) WITHOUT ROWID;\n" + createIndexes(table)
    }

    /// The table's indexes: the catalog's, and one on each owner column of a child table. `IF NOT EXISTS`, so opening an
    /// older mirror adds the ones the catalog gained since.
    static func createIndexes(_ table: TableSpec) -> String {
        var sql = ""
        func name(_ columns: [String]) -> String { quoted("\(table.name)_\(columns.joined(separator: "_"))") }
        let owners = Catalog.tables.flatMap(\.children).filter { $0.table == table.name }.map(\.ownerColumn)
            .filter { table.primaryKey.first != $0 }
        // An owner column that leads a declared index needs no index of its own (every insert paid for both); mirrors
        // made before this lose theirs.
        let covered = Set(table.indexes.compactMap(\.first))
        for owner in owners where covered.contains(owner) { sql += "DROP INDEX IF EXISTS \(name([owner]));\n" }
        for columns in table.indexes + owners.filter({ !covered.contains($0) }).map({ [$0] }) {
            sql += "CREATE INDEX IF NOT EXISTS \(name(columns)) ON \(quoted(table.name))(\(columns.map(quoted).joined(separator: ", ")));\n"
        }
        return sql
    }

    /// Identifiers come from the catalog only; quoting keeps names like `open` and `read` legal.
    static func quoted(_ name: String) -> String { "\"\(name)\"" }

    /// The same quoting for other modules (the read API), which also take names only from the catalog.
    public static func quotedName(_ name: String) -> String { quoted(name) }

    /// Views shaped like the Keboola and Segment warehouse layouts, so existing SQL keeps working.
    static var seedViews: [String] {
        ["user", "lead"].flatMap { role -> [String] in
            let plural = role + "s"
            return [
                "CREATE VIEW \(plural) AS SELECT * FROM contacts WHERE role = '\(role)'",
                """
                CREATE VIEW \(plural)_tags AS SELECT ct.contact_id AS \(role)_id, ct.tag_id, t.name AS tag_name
                FROM contact_tags ct JOIN contacts c ON c.id = ct.contact_id AND c.role = '\(role)'
                LEFT JOIN tags t ON t.id = ct.tag_id
                """,
                """
                CREATE VIEW \(plural)_companies AS SELECT cc.contact_id AS \(role)_id, cc.company_id,
                co.company_id AS company_external_id, co.name AS company_name
                FROM contact_companies cc JOIN contacts c ON c.id = cc.contact_id AND c.role = '\(role)'
                LEFT JOIN companies co ON co.id = cc.company_id
                """,
                """
                CREATE VIEW \(plural)_segments AS SELECT cs.contact_id AS \(role)_id, cs.segment_id, s.name AS segment_name
                FROM contact_segments cs JOIN contacts c ON c.id = cs.contact_id AND c.role = '\(role)'
                LEFT JOIN segments s ON s.id = cs.segment_id
                """,
                """
                CREATE VIEW \(plural)_social_profiles AS SELECT sp.contact_id AS \(role)_id, sp.name, sp.url
                FROM contact_social_profiles sp JOIN contacts c ON c.id = sp.contact_id AND c.role = '\(role)'
                """,
            ]
        }
    }
}
