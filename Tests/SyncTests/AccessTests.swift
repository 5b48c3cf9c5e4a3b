import Foundation
import Hummingbird
import HummingbirdTesting
import IntercomAPI
import IntercomSimulator
import MirrorStore
import ReadAPI
import Sync
import TestSupport
import Testing

/// `/sync` as the read API answers it over the rig's mirror, with the engine's view of Intercom.
func syncStatus(_ rig: SyncRig) async throws -> JSON {
    let router = ReadAPI.buildRouter(store: rig.store, configuration: ReadAPIConfiguration(syncHealth: rig.engine.health))
    return try await Application(router: router).test(.router) { client in
        try await client.execute(uri: "/sync", method: .get) { response in
            #expect(response.status == .ok)
            return try JSON.parse(Array(response.body.readableBytesView))
        }
    }
}

/// The `/sync` entry of one resource.
func entry(_ status: JSON, _ resource: String) throws -> JSON {
    try #require(status["data"]?.arrayValue?.first { $0["resource"] == .string(resource) }, "no /sync entry for \(resource)")
}

/// Real workspaces refuse some endpoints to some tokens (`INTERCOM-TRAPS.md`, "Access differs per app, plan and region").
@Suite struct AccessTests {
    /// The ground-truth keys a refused resource's rows feed; every other key must still match.
    static func keys(of resources: [String]) -> (String) -> Bool {
        { key in
            resources.contains { resource in
                switch resource {
                case "conversations":
                    key.hasPrefix("conversations") || key.hasPrefix("parts.") || key.hasPrefix("conversation_parts")
                        || key.hasPrefix("open_conversations") || key == "truncated_conversations"
                default: key == resource || key.hasPrefix(resource + ".")
                }
            }
        }
    }

    @Test(arguments: TestEngine.all)
    func aRestrictedWorkspaceSyncsTheRestAndOneFullSweepHealsIt(engine: TestEngine) async throws {
        var options = rigOptions(seed: 61)
        options.denials = ["articles": .removed, "conversations_deleted": .removed, "conversations": .planRestricted,
                           "contact_notes": .tokenUnauthorized]
        try await withRig(options, engine: engine) { rig in
            let report = try await rig.sync()
            #expect(report.succeeded, "\(report.resources.map { "\($0.resource): \($0.error ?? "-")" })")
            let byName = Dictionary(uniqueKeysWithValues: report.resources.map { ($0.resource, $0) })
            #expect(byName[.articles]?.unavailable?.status == 404)
            #expect(byName[.conversations]?.unavailable?.code == "api_plan_restricted")
            #expect(byName[.contacts]?.status == "ok")
            #expect(byName[.contacts]?.unavailableScopes.map(\.scope) == [.notes])
            #expect(byName[.contacts]?.unavailableScopes.first?.problem.code == "token_unauthorized")
            let refused = Self.keys(of: ["articles", "conversations", "notes"])
            #expect(try await differences(rig).filter { !refused(String($0.prefix { $0 != ":" })) } == [])

            let status = try await syncStatus(rig)
            let conversations = try entry(status, "conversations")
            #expect(conversations["status"] == .string("unavailable"))
            #expect(conversations["reason"]?["http_status"] == .int(403))
            #expect(conversations["reason"]?["code"] == .string("api_plan_restricted"))
            #expect(conversations["stale"] == .bool(true))
            #expect(try entry(status, "articles")["reason"]?["http_status"] == .int(404))
            #expect(try entry(status, "contacts")["status"] == .string("ok"))
            let notes = try #require(try entry(status, "contacts")["sub_resources"]?.arrayValue?.first { $0["scope"] == .string("notes") })
            #expect(notes["status"] == .string("unavailable"))
            #expect(notes["reason"]?["code"] == .string("token_unauthorized"))
            let named = Set((status["unavailable"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue })
            #expect(named == ["articles", "conversations", "notes"])
            #expect(try entry(status, "admins")["status"] == .string("ok"))

            try await rig.control(.post, "/config", .object([("deny", .object([]))]))
            let healed = try await rig.sync(full: true)
            #expect(healed.resources.allSatisfy { $0.status == "ok" && $0.unavailableScopes.isEmpty })
            #expect(try await differences(rig) == [])
            let after = try await syncStatus(rig)
            #expect(after["unavailable"] == .array([]))
            #expect(try entry(after, "conversations")["deletions"]?["feed"] == .string("ok"))
        }
    }

    @Test(arguments: TestEngine.all)
    func aDeletionIsFoundByTheSweepWhenTheDeletedFeedIsMissing(engine: TestEngine) async throws {
        var options = rigOptions(seed: 62)
        options.denials = ["conversations_deleted": .removed]
        try await withRig(options, engine: engine) { rig in
            try await rig.sync(resources: [.conversations])
            let victim = try #require(try await rig.text("SELECT id FROM conversations LIMIT 1"))
            try await rig.control(.post, "/conversations/\(victim)", verb: "DELETE")
            let report = try await rig.sync(full: true, resources: [.conversations])
            let conversations = try #require(report.resources.first)
            #expect(conversations.status == "ok")
            #expect(conversations.notes.contains { $0.contains("full sweeps only") })
            let reason = try await rig.text("SELECT reason FROM deletions WHERE resource = 'conversations' AND id = ?", [.text(victim)])
            #expect(reason == "absent_from_full_sweep")
            let deletions = try #require(try entry(try await syncStatus(rig), "conversations")["deletions"])
            #expect(deletions["found_by"] == .string("full_sweep_only"))
            #expect(deletions["reason"]?["http_status"] == .int(404))
        }
    }

    @Test(arguments: TestEngine.all)
    func refusedSubResourcesKeepTheirRowsAndLeaveTheirParentsSyncing(engine: TestEngine) async throws {
        try await withRig(rigOptions(seed: 63), engine: engine) { rig in
            try await rig.sync()
            let tables = ["contact_tags", "contact_companies", "notes", "contact_segments", "event_summaries"]
            var before: [Int] = []
            for table in tables { before.append(try await rig.int("SELECT COUNT(*) FROM \(table)") ?? -1) }
            // Change every contact whose sub-lists are fetched, so the next sweep asks for them again.
            let changed = try await rig.strings(
                "SELECT id FROM contacts WHERE tags_total_count > 10 OR companies_total_count > 10 OR notes_total_count > 0")
            #expect(changed.count > 10)
            try await rig.control(.post, "/config", .object([("advance_clock", .int(5))]))
            for id in changed {
                try await rig.control(.post, "/contacts/\(id)", .object([("name", .string("Renamed")), ("add_notes", .int(1))]), verb: "PATCH")
            }
            try await rig.control(.post, "/config", .object([("deny", .object([
                ("contact_tags", .int(403)), ("contact_companies", .string("removed")), ("contact_notes", .int(404)),
                ("events", .int(401)), ("contacts_search", .int(403)),
            ]))]))
            let report = try await rig.sync(full: true)
            #expect(report.succeeded)
            let byName = Dictionary(uniqueKeysWithValues: report.resources.map { ($0.resource, $0) })
            #expect(byName[.contacts]?.status == "ok")
            #expect(Set(byName[.contacts]?.unavailableScopes.map(\.scope) ?? []) == [.contactTags, .contactCompanies, .notes])
            #expect(byName[.segments]?.status == "ok")
            #expect(byName[.segments]?.unavailableScopes.map(\.scope) == [.contactSegments])
            #expect(byName[.eventSummaries]?.unavailable?.code == "token_unauthorized")
            let renamed = try await rig.int("SELECT COUNT(*) FROM contacts WHERE name = 'Renamed'") ?? 0
            #expect(renamed == changed.count)
            var after: [Int] = []
            for table in tables { after.append(try await rig.int("SELECT COUNT(*) FROM \(table)") ?? -1) }
            #expect(after == before)
        }
    }

    @Test(arguments: TestEngine.all)
    func driftedFieldsNeverCostARow(engine: TestEngine) async throws {
        var options = rigOptions(seed: 64)
        options.driftShare = 0.05
        try await withRig(options, engine: engine) { rig in
            let report = try await rig.sync()
            #expect(report.succeeded, "\(report.resources.compactMap(\.error))")
            let truth = truthSummary(rig.workspace)
            let mirror = try await mirrorSummary(rig.store)
            for key in ["contacts.total", "companies.total", "conversations.total", "admins", "teams", "tags", "segments", "notes",
                        "articles"] {
                #expect(mirror[key] == truth[key], "\(key)")
            }
            let drifted = report.resources.flatMap(\.drift)
            #expect(drifted.contains { $0.name == "contacts.name" })
            #expect(drifted.contains { $0.name == "conversations.state" })
            #expect(drifted.contains { $0.table == "conversation_parts" })
            // raw is JSON text on SQLite and jsonb on PostgreSQL: compared as text on both.
            let unknown = try await rig.int("SELECT COUNT(*) FROM contacts WHERE CAST(raw AS TEXT) LIKE '%x_simulator_unknown_field%'") ?? 0
            let objects = try await rig.int("SELECT COUNT(*) FROM contacts WHERE \(rig.typeOf("created_at")) NOT IN ('integer', 'null')") ?? -1
            #expect(unknown > 0)
            #expect(objects == 0)  // a timestamp column holds a time or NULL, never the drifted object's text
            let contacts = try entry(try await syncStatus(rig), "contacts")
            #expect((contacts["drift"]?["values"]?.intValue ?? 0) > 0)
            #expect(contacts["drift"]?["fields"]?["contacts.name"]?["count"]?.intValue ?? 0 > 0)
        }
    }

    @Test(arguments: TestEngine.all)
    func theWorkspaceAndRegionComeFromMe(engine: TestEngine) async throws {
        var options = rigOptions(seed: 65)
        options.region = "EU"
        try await withRig(options, engine: engine) { rig in
            let report = try await rig.sync(resources: [.admins])
            #expect(report.workspace?.region == "EU")
            #expect(report.workspace?.appID == rig.workspace.appId)
            let intercom = try #require(try await syncStatus(rig)["intercom"])
            #expect(intercom["credentials"] == .string("ok"))
            #expect(intercom["workspace"]?["region"] == .string("EU"))
            #expect(!intercom.text.contains(rig.workspace.options.token))
        }
    }

    @Test func regionsPickIntercomsHosts() {
        #expect(IntercomRegion.us.baseURL == "https://api.intercom.io")
        #expect(IntercomRegion.eu.baseURL == "https://api.eu.intercom.io")
        #expect(IntercomRegion.au.baseURL == "https://api.au.intercom.io")
    }
}
