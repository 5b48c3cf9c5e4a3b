import Foundation
import IntercomAPI
import GRDB

/// The mirror's schema: tables generated from the catalog, the sync bookkeeping tables, and the seed views.
public enum Schema {
    /// Hidden column on resource tables: the full-sweep generation that last saw the row.
    static let sweepColumn = "_sweep"

    /// Every stored column of `table` in storage order: the catalog's, `raw`, and the sweep stamp of resource tables.
    static func storedColumnNames(_ table: TableSpec) -> [String] { table.columnNames + (table.keepsRaw ? [sweepColumn] : []) }

    /// Named, append-only migrations.
    static func migrator(tables: [TableSpec] = Catalog.tables) -> DatabaseMigrator {
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
        registerRowIDMigration(&migrator)
        registerAccessMigration(&migrator)
        registerMetricsMigration(&migrator)
        registerSearchTextMigration(&migrator)
        registerTicketsMigration(&migrator)
        registerColumnMigration(&migrator, tables: tables)
        return migrator
    }

    /// The table with its indexes, as the catalog describes it today.
    public static func createTable(_ table: TableSpec) -> String { createTableOnly(table) + createIndexes(table) }

    /// The table alone, without indexes, named `name` or the catalog's name. Tables that keep `raw` are rowid tables
    /// keyed by a unique `id`: their rows run to kilobytes, and a WITHOUT ROWID table keeps whole rows in its interior
    /// pages too, so a 100k-contact table was 8 levels deep with about 4 keys per interior page, and a point read cost
    /// 13 page reads (2 to 3 as a rowid table). Link tables, whose rows are a few ids, stay WITHOUT ROWID: one b-tree, no rowid index.
    static func createTableOnly(_ table: TableSpec, named name: String? = nil, withoutRowID: Bool? = nil) -> String {
        var lines = table.columns.map { "\(quoted($0.name)) \($0.kind.sqlType)" }
        if table.keepsRaw {
            lines.append("raw TEXT NOT NULL")
            lines.append("\(sweepColumn) INTEGER NOT NULL DEFAULT 0")
        }
        lines.append("PRIMARY KEY (\(table.primaryKey.map(quoted).joined(separator: ", ")))")
        let suffix = (withoutRowID ?? !table.keepsRaw) ? " WITHOUT ROWID" : ""
        return "CREATE TABLE \(quoted(name ?? table.name)) (\n  \(lines.joined(separator: ",\n  "))\n)\(suffix);\n"
    }

    /// Per-resource access and drift: a run can end `unavailable` with Intercom's status, code and endpoint, and says
    /// what it stored of drifted values; `sync_access` keeps the status of each sub-resource and optional feed.
    static func registerAccessMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v6-access-and-drift") { db in
            try db.execute(sql: """
                ALTER TABLE sync_runs ADD COLUMN http_status INTEGER;
                ALTER TABLE sync_runs ADD COLUMN error_code TEXT;
                ALTER TABLE sync_runs ADD COLUMN endpoint TEXT;
                ALTER TABLE sync_runs ADD COLUMN drift_values INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE sync_runs ADD COLUMN drift_fields TEXT;
                ALTER TABLE sync_runs ADD COLUMN notes TEXT;
                CREATE TABLE sync_access (
                    scope TEXT PRIMARY KEY,
                    resource TEXT NOT NULL,
                    status TEXT NOT NULL,
                    http_status INTEGER,
                    code TEXT,
                    message TEXT,
                    endpoint TEXT,
                    since INTEGER NOT NULL,
                    checked_at INTEGER NOT NULL
                );
                """)
        }
    }

    /// Mirrors made before `conversation_metrics` get the table and every conversation's metrics, in one transaction.
    /// A mirror made since has the table from its first migration and no conversations yet.
    static func registerMetricsMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v7-conversation-metrics") { db in
            let table = TableSpec.conversationMetrics
            guard try !db.tableExists(table.name) else { return }
            try db.execute(sql: createTable(table))
            try MirrorTransaction.backfillMetrics(db)
        }
    }

    /// Mirrors made before tickets get the ticket tables and the search queue triggers of ticket titles and parts. A
    /// mirror made since has both from its first migrations, and this changes nothing.
    static func registerTicketsMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v9-tickets") { db in
            for table in Catalog.tables where try !db.tableExists(table.name) { try db.execute(sql: createTable(table)) }
            for source in searchSources where try !db.triggerExists("search_\(source.kind)_insert") {
                try db.execute(sql: queueTriggers(source))
            }
        }
    }

    /// Mirrors made before resource tables became rowid tables get them rebuilt once, with their rows, triggers and views.
    static func registerRowIDMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v5-rowid-resource-tables") { db in
            let tables = try Catalog.tables.filter { try $0.keepsRaw && isWithoutRowID($0.name, db) }
            try rebuild(tables, withoutRowID: false, db)
        }
    }

    /// Whether `name` is stored WITHOUT ROWID.
    package static func isWithoutRowID(_ name: String, _ db: Database) throws -> Bool {
        let sql = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?", arguments: [name])
        return sql?.uppercased().hasSuffix("WITHOUT ROWID") ?? false
    }

    /// Rebuilds `tables` from the catalog, as rowid or WITHOUT ROWID tables, keeping their rows (the columns the old and
    /// new tables share) and every trigger and view; their indexes are the catalog's. Triggers and views leave first and
    /// come back last: SQLite checks all of them when a table is renamed, and they may name a table being rebuilt.
    /// Public so tests can turn a new mirror into one made before a layout change.
    package static func rebuild(_ tables: [TableSpec], withoutRowID: Bool, _ db: Database) throws {
        guard !tables.isEmpty else { return }
        let dependents = try Row.fetchAll(db, sql: "SELECT type, name, sql FROM sqlite_schema WHERE type IN ('trigger', 'view') ORDER BY rowid")
        for row in dependents { try db.execute(sql: "DROP \(row["type"] == "view" ? "VIEW" : "TRIGGER") \(quoted(row["name"]))") }
        for table in tables {
            let old = Set(try db.columns(in: table.name).map(\.name))
            let shared = storedColumnNames(table).filter(old.contains).map(quoted).joined(separator: ", ")
            let building = "\(table.name)_rebuild"
            try db.execute(sql: createTableOnly(table, named: building, withoutRowID: withoutRowID))
            try db.execute(sql: "INSERT INTO \(quoted(building)) (\(shared)) SELECT \(shared) FROM \(quoted(table.name))")
            try db.execute(sql: "DROP TABLE \(quoted(table.name))")
            try db.execute(sql: "ALTER TABLE \(quoted(building)) RENAME TO \(quoted(table.name))")
            try db.execute(sql: createIndexes(table))
        }
        for row in dependents { try db.execute(sql: row["sql"]) }
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
        for named in table.indexes + owners.filter({ !covered.contains($0) }).map({ [$0] }) {
            // A WITHOUT ROWID table's index ends with the primary key; a rowid table's ends with the rowid unless told
            // otherwise. Ending it with `id` keeps `WHERE state = ? AND admin_assignee_id = ? ORDER BY id LIMIT 50` a
            // walk of 50 index entries instead of a sort of every match.
            let columns = table.keepsRaw && !named.contains("id") ? named + ["id"] : named
            sql += "CREATE INDEX IF NOT EXISTS \(name(named)) ON \(quoted(table.name))(\(columns.map(quoted).joined(separator: ", ")));\n"
        }
        return sql
    }

    /// Identifiers come from the catalog only; quoting keeps names like `open` and `read` legal.
    static func quoted(_ name: String) -> String { "\"\(name)\"" }

    /// The same quoting for other modules (the read API), which also take names only from the catalog.
    public static func quotedName(_ name: String) -> String { quoted(name) }

    /// The catalog's Keboola and Segment views (`Catalog.seedViews`), so existing warehouse SQL keeps working.
    static var seedViews: [String] {
        let spec = Catalog.seedViews
        let owner = quoted(spec.table)
        return spec.roles.flatMap { role -> [String] in
            let plural = role + "s"
            let rows = "\(owner) c ON c.id = l.%@ AND c.\(quoted(spec.roleColumn)) = '\(role)'"
            return ["CREATE VIEW \(quoted(plural)) AS SELECT * FROM \(owner) WHERE \(quoted(spec.roleColumn)) = '\(role)'"]
                + spec.links.map { link in
                    var columns = ["l.\(quoted(link.owner)) AS \(quoted(role + "_id"))"] + link.columns.map { "l.\(quoted($0))" }
                    var joins = "JOIN " + rows.replacingOccurrences(of: "%@", with: quoted(link.owner))
                    if let lookup = link.lookup {
                        columns += lookup.columns.map { "o.\(quoted($0.name)) AS \(quoted($0.alias))" }
                        joins += " LEFT JOIN \(quoted(lookup.table)) o ON o.id = l.\(quoted(lookup.key))"
                    }
                    return "CREATE VIEW \(quoted(plural + "_" + link.suffix)) AS SELECT \(columns.joined(separator: ", ")) FROM \(quoted(link.table)) l \(joins)"
                }
        }
    }
}
