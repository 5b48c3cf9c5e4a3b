import MirrorStore
import Testing
@testable import MirrorStore

@Suite struct DatabaseLocationTests {
    @Test func aPostgresURLSelectsPostgreSQLAndItsPasswordNeverShows() throws {
        let location = try DatabaseLocation("postgres://ops:s3cr%40t@db.internal:6543/analytics?schema=mirror_1")
        guard case let .postgres(postgres) = location else { Issue.record("not PostgreSQL: \(location)"); return }
        #expect(postgres.host == "db.internal" && postgres.port == 6543 && postgres.user == "ops")
        #expect(postgres.password == "s3cr@t" && postgres.database == "analytics" && postgres.schema == "mirror_1")
        #expect(!location.description.contains("s3cr") && location.description.contains("***"))
        #expect(try DatabaseLocation("postgresql://ops@db/analytics").description == "postgres://ops@db:5432/analytics?schema=intercache")
        #expect(try DatabaseLocation("./intercache.sqlite") == .sqlite(path: "./intercache.sqlite"))
    }

    @Test func aBadPostgresURLIsRefusedWithAMessageAndNoPassword() {
        for bad in ["postgres://ops:pw@/analytics", "postgres://db/analytics", "postgres://ops:pw@db", "postgres://ops:pw@db/a?schema=x;drop",
                    "postgres://ops:pw@db/a?schema=1x"] {
            #expect(throws: PostgresLocation.Invalid.self, "\(bad)") { try DatabaseLocation(bad) }
            do { _ = try DatabaseLocation(bad) } catch { #expect(!"\(error)".contains("pw"), "\(error)") }
        }
    }

    @Test func placeholdersAreNumberedOutsideQuotesOnly() {
        #expect(PostgresRunner.numbered("SELECT '?' AS \"a?\", x FROM t WHERE a = ? AND b IN (?, ?)")
            == "SELECT '?' AS \"a?\", x FROM t WHERE a = $1 AND b IN ($2, $3)")
    }

    @Test func eachDialectSpellsItsUpsert() {
        #expect(SQLiteDialect().upsert("t", columns: ["id", "a"], key: ["id"]) == "INSERT OR REPLACE INTO \"t\" (\"id\",\"a\") VALUES (?,?)")
        #expect(PostgresDialect().upsert("t", columns: ["id", "a"], key: ["id"])
            == "INSERT INTO \"t\" (\"id\",\"a\") VALUES (?,?) ON CONFLICT (\"id\") DO UPDATE SET \"a\" = EXCLUDED.\"a\"")
    }
}
