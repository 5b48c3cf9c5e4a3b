import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import IntercomAPI
import MirrorStore
import ReadAPI
import TestSupport
import Testing

/// The mirror's PostgreSQL stops taking connections (a restart, a failover, a revoked login): reads answer 503
/// `database_unavailable` with a JSON body, never a 500, and answer again once it is back, with no restart of ours.
@Suite struct DatabaseOutageTests {
    @Test(.enabled(if: !TestEngine.postgresSkipped, "INTERCACHE_TEST_SKIP_POSTGRES=1"))
    func readsAnswer503WhileTheDatabaseIsGoneAndRecoverAfter() async throws {
        guard case var .postgres(location) = try TestEngine.freshPostgres() else { return }
        // An admin connection (the test server's superuser) in a scratch schema of its own, and a login role for the
        // mirror that the test can lock out.
        let admin = try await MirrorDatabase.open(.postgres(location))
        let role = "outage_" + location.schema, database = location.database
        try await admin.write { tx in
            try tx.sql.execute("CREATE ROLE \(role) LOGIN PASSWORD 'outage-pw'", [])
            try tx.sql.execute("GRANT CREATE ON DATABASE \(database) TO \(role)", [])
        }
        location.user = role
        location.password = "outage-pw"
        location.schema = role
        let store = try await MirrorDatabase.open(.postgres(location))
        @Sendable func lockOut(_ out: Bool) async throws {
            try await admin.write { tx in
                try tx.sql.execute("ALTER ROLE \(role) \(out ? "NOLOGIN" : "LOGIN")", [])
                if out { try tx.sql.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = ?", [role.databaseValue]) }
            }
        }
        do {
            let contact = try JSON.parse(Array(#"{"type": "contact", "id": "c-1", "role": "user", "name": "Ann", "updated_at": 1700000000}"#.utf8))
            try await store.write { tx in try tx.upsert(.contacts, item: contact, sweep: 1) }
            let router = ReadAPI.buildRouter(store: store, configuration: ReadAPIConfiguration(queryBudget: .seconds(30)))
            try await Application(router: router).test(.router) { client in
                #expect(try await client.execute(uri: "/contacts/c-1", method: .get).status == .ok)
                try await lockOut(true)
                for path in ["/contacts/c-1", "/contacts?role=user", "/counts"] {
                    let response = try await client.execute(uri: path, method: .get)
                    let body = try JSON.parse(Array(response.body.readableBytesView))
                    #expect(response.status == .serviceUnavailable, "\(path): \(response.status)")
                    #expect(body["error"]?["code"]?.stringValue == "database_unavailable", "\(path): \(body)")
                }
                // More reads at once than the pool has connections: each one that cannot connect must let a waiting
                // one try, or the waiting ones hang for good.
                let codes = try await withThrowingTaskGroup(of: String.self) { group in
                    for _ in 0..<40 {
                        group.addTask {
                            let response = try await client.execute(uri: "/contacts/c-1", method: .get)
                            return "\(response.status.code)"
                        }
                    }
                    group.addTask {
                        try await Task.sleep(for: .seconds(60))
                        return "hung"
                    }
                    var codes: [String] = []
                    for try await code in group {
                        if code == "hung" { break }
                        codes.append(code)
                        if codes.count == 40 { break }
                    }
                    group.cancelAll()
                    return codes
                }
                #expect(codes.count == 40 && codes.allSatisfy { $0 == "503" }, "\(codes.count) of 40 answered: \(Set(codes))")
                try await lockOut(false)
                let back = try await client.execute(uri: "/contacts/c-1", method: .get)
                #expect(back.status == .ok)
                #expect(try JSON.parse(Array(back.body.readableBytesView))["name"]?.stringValue == "Ann")
            }
        } catch {
            try? await lockOut(false)
            await cleanUp()
            throw error
        }
        await cleanUp()

        func cleanUp() async {
            try? await store.dropSchema()
            await store.close()
            try? await admin.write { tx in
                try tx.sql.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = ?", [role.databaseValue])
                try tx.sql.execute("DROP OWNED BY \(role)", [])
                try tx.sql.execute("DROP ROLE \(role)", [])
            }
            try? await admin.dropSchema()
            await admin.close()
        }
    }
}
