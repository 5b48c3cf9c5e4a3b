import Foundation
import HTTPTypes
import GRDB
import IntercomAPI
import MirrorStore
import ReadAPI
import TestSupport
import Testing

@Suite struct ListTests {
    @Test(arguments: TestEngine.all)
    func listsComeInTheEnvelopeAndCountMatchesTheTruth(engine: TestEngine) async throws {
        let mirror = try await sharedMirror(engine)
        try await mirror.withAPI { client in
            let (status, body, _) = try await client.getJSON("/contacts")
            #expect(status == .ok)
            #expect(body["data"]?.arrayValue?.count == 50)
            #expect(body["next_cursor"]?.stringValue != nil)
            #expect(body["total_count"] == nil)
            let counted = try await client.getJSON("/contacts?count=true&limit=1").body
            #expect(counted["total_count"]?.intValue == mirror.truth["contacts"]?["total"]?.intValue)
            let users = try await client.getJSON("/users?count=true&limit=1000").body
            #expect(users["total_count"]?.intValue == mirror.truth["contacts"]?["user"]?.intValue)
            #expect(users["data"]?.arrayValue?.allSatisfy { $0["role"]?.stringValue == "user" } == true)
            let leads = try await client.getJSON("/leads?count=true&limit=1").body
            #expect(leads["total_count"]?.intValue == mirror.truth["contacts"]?["lead"]?.intValue)
        }
    }

    @Test(arguments: ["id", "-id", "updated_at", "-updated_at", "name", "-name", "last_seen_at", "-last_seen_at"], TestEngine.all)
    func aCursorWalkReturnsEveryItemOnceInOrder(sort: String, engine: TestEngine) async throws {
        let mirror = try await sharedMirror(engine)
        try await mirror.withAPI { client in
            let items = try await client.walk("/contacts?sort=\(sort)&fields=id,name,updated_at,last_seen_at", limit: 37)
            let all = try await mirror.strings("SELECT id FROM contacts")
            #expect(ids(items).count == all.count)
            #expect(Set(ids(items)) == Set(all))
            // Sorted by the field (NULL lowest, as SQLite orders, on both engines), ties broken by id.
            let field = sort.hasPrefix("-") ? String(sort.dropFirst()) : sort
            let descending = sort.hasPrefix("-")
            for (a, b) in zip(items, items.dropFirst()) {
                let ordered = Self.precedes(a, b, field: field)
                #expect(descending ? !ordered : ordered, "\(a.text) then \(b.text)")
            }
        }
    }

    /// Whether `a` sorts before `b` ascending on `field`, then id.
    static func precedes(_ a: JSON, _ b: JSON, field: String) -> Bool {
        func key(_ item: JSON) -> (Int, String, Int) {
            switch item[field] {
            case let .string(s)?: (2, s, 0)
            case let .int(n)?: (1, "", n)
            default: (0, "", 0)
            }
        }
        let (ka, kb) = (key(a), key(b))
        if field != "id", ka != kb {
            if ka.0 != kb.0 { return ka.0 < kb.0 }
            return ka.0 == 2 ? Array(ka.1.utf8).lexicographicallyPrecedes(Array(kb.1.utf8)) : ka.2 < kb.2
        }
        return Array(a["id"]!.stringValue!.utf8).lexicographicallyPrecedes(Array(b["id"]!.stringValue!.utf8))
    }

    @Test(arguments: TestEngine.all)
    func everyFilterOperatorSelectsWhatItSays(engine: TestEngine) async throws {
        let mirror = try await sharedMirror(engine)
        try await mirror.withAPI { client in
            let all = try await client.walk("/conversations", limit: 1000)
            #expect(all.count == mirror.truth["conversations"]?["total"]?.intValue)
            let pivot = all.compactMap { $0["updated_at"]?.intValue }.sorted()[all.count / 2]
            let admin = all.compactMap { $0["admin_assignee_id"]?.stringValue }.first!
            let title = all.compactMap { $0["title"]?.stringValue }.first { $0.count > 4 }!
            let fragment = String(title.dropFirst(1).prefix(3))
            let cases: [(String, (JSON) -> Bool)] = [
                ("state=open", { $0["state"]?.stringValue == "open" }),
                ("state__eq=closed", { $0["state"]?.stringValue == "closed" }),
                ("state__ne=open", { $0["state"]?.stringValue != "open" }),
                ("updated_at__gt=\(pivot)", { $0["updated_at"]!.intValue! > pivot }),
                ("updated_at__gte=\(pivot)", { $0["updated_at"]!.intValue! >= pivot }),
                ("updated_at__lt=\(pivot)", { $0["updated_at"]!.intValue! < pivot }),
                ("updated_at__lte=\(pivot)", { $0["updated_at"]!.intValue! <= pivot }),
                ("state__in=open,snoozed", { ["open", "snoozed"].contains($0["state"]?.stringValue ?? "") }),
                ("admin_assignee_id=\(admin)", { $0["admin_assignee_id"]?.stringValue == admin }),
                ("admin_assignee_id__isnull=true", { $0["admin_assignee_id"] == .null }),
                ("admin_assignee_id__isnull=false", { $0["admin_assignee_id"] != .null }),
                ("open=true", { $0["open"] == .bool(true) }),
                ("read=false", { $0["read"] == .bool(false) }),
                ("title__contains=\(fragment.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)",
                 { $0["title"]?.stringValue?.lowercased().contains(fragment.lowercased()) == true }),
                ("title__startswith=\(String(title.prefix(3)).addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)",
                 { $0["title"]?.stringValue?.lowercased().hasPrefix(String(title.prefix(3)).lowercased()) == true }),
                ("updated_at__gt=\(pivot)&state=open", { $0["updated_at"]!.intValue! > pivot && $0["state"]?.stringValue == "open" }),
            ]
            for (query, predicate) in cases {
                let got = try await client.walk("/conversations?\(query)", limit: 1000)
                let expected = all.filter(predicate)
                #expect(Set(ids(got)) == Set(ids(expected)), "\(query): \(got.count) items, expected \(expected.count)")
                #expect(!expected.isEmpty || query.contains("isnull"), "\(query) selects nothing in the fixture; the test proves little")
            }
        }
    }

    @Test(arguments: TestEngine.all)
    func customAttributeFiltersMatchTheStoredValues(engine: TestEngine) async throws {
        let mirror = try await sharedMirror(engine)
        try await mirror.withAPI { client in
            let all = try await client.walk("/contacts?fields=id,custom_attributes", limit: 1000)
            // Pick a string-valued attribute that several contacts share.
            var counts: [String: [String: Int]] = [:]
            for item in all {
                guard case let .object(members)? = item["custom_attributes"] else { continue }
                for (key, value) in members { if let s = value.stringValue { counts[key, default: [:]][s, default: 0] += 1 } }
            }
            let (key, values) = try #require(counts.filter { $0.value.values.contains { $0 > 1 } }.min { $0.key < $1.key })
            let value = values.max { $0.value < $1.value }!.key
            let expected = all.filter { $0["custom_attributes"]?[key]?.stringValue == value }
            let encodedKey = key.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let encodedValue = value.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let got = try await client.walk("/contacts?custom_attributes.\(encodedKey)=\(encodedValue)", limit: 1000)
            #expect(Set(ids(got)) == Set(ids(expected)))
            let missing = try await client.walk("/contacts?custom_attributes.\(encodedKey)__isnull=true", limit: 1000)
            #expect(Set(ids(missing)) == Set(ids(all.filter { $0["custom_attributes"]?[key] == nil || $0["custom_attributes"]?[key] == .null })))
        }
    }

    @Test(arguments: TestEngine.all)
    func fieldsProjectAndSortIsAllowlisted(engine: TestEngine) async throws {
        let mirror = try await sharedMirror(engine)
        try await mirror.withAPI { client in
            let (listed, body, _) = try await client.getJSON("/companies?fields=name,id&limit=3")
            #expect(listed == .ok)
            let items = try #require(body["data"]?.arrayValue)
            #expect(items.count == 3)
            for item in items {
                guard case let .object(members) = item else { Issue.record("not an object"); continue }
                #expect(members.map(\.0) == ["name", "id"])
            }
            let (status, error, _) = try await client.getJSON("/companies?sort=custom_attributes")
            #expect(status == .badRequest)
            #expect(errorCode(error) == "unknown_field")
        }
    }

    @Test(arguments: ["contacts", "users", "leads", "companies", "conversations", "admins", "teams"], TestEngine.all)
    func itemRoutesServeWhatTheListServes(resource: String, engine: TestEngine) async throws {
        let mirror = try await sharedMirror(engine)
        try await mirror.withAPI { client in
            let listed = try #require(try await client.getJSON("/\(resource)?limit=3").body["data"]?.arrayValue)
            #expect(!listed.isEmpty)
            for item in listed {
                let (status, detail, _) = try await client.getJSON("/\(resource)/\(item["id"]!.stringValue!)")
                #expect(status == .ok)
                guard case let .object(fields) = item else { continue }
                for (name, value) in fields { #expect(detail[name] == value, "\(resource).\(name)") }
            }
        }
    }

    @Test(arguments: TestEngine.all)
    func joinRoutesFollowTheLinkTablesAndCheckTheParent(engine: TestEngine) async throws {
        let mirror = try await sharedMirror(engine)
        func first(_ sql: String) async throws -> String { try #require(try await mirror.string(sql), "\(sql)") }
        let user = try await first("SELECT cc.contact_id FROM conversation_contacts cc JOIN contacts c ON c.id = cc.contact_id WHERE c.role = 'user' GROUP BY 1 ORDER BY COUNT(*) DESC LIMIT 1")
        let lead = try await first("SELECT id FROM contacts WHERE role = 'lead' LIMIT 1")
        let company = try await first("SELECT company_id FROM contact_companies GROUP BY 1 ORDER BY COUNT(*) DESC LIMIT 1")
        let admin = try await first("SELECT admin_assignee_id FROM conversations WHERE admin_assignee_id IS NOT NULL LIMIT 1")
        let tag = try await first("SELECT tag_id FROM contact_tags LIMIT 1")
        let segment = try await first("SELECT segment_id FROM contact_segments LIMIT 1")
        let conversation = try await first("SELECT conversation_id FROM conversation_parts GROUP BY 1 ORDER BY COUNT(*) DESC LIMIT 1")
        try await mirror.withAPI { client in
            let conversations = try await client.walk("/users/\(user)/conversations")
            #expect(!conversations.isEmpty)
            for item in conversations {
                let detail = try await client.getJSON("/conversations/\(item["id"]!.stringValue!)").body
                #expect(detail["contact_ids"]?.arrayValue?.contains(.string(user)) == true)
            }
            #expect(try await client.walk("/contacts/\(user)/conversations").count == conversations.count)
            // A lead is not a user.
            #expect(try await client.getJSON("/users/\(lead)/conversations").status == .notFound)
            #expect(try await client.getJSON("/users/\(lead)").status == .notFound)
            #expect(try await client.getJSON("/leads/\(lead)").status == .ok)
            let expected = (try #require(try await mirror.int("SELECT COUNT(*) FROM contact_companies WHERE company_id = ?", company)),
                            try #require(try await mirror.int("SELECT COUNT(*) FROM conversations WHERE admin_assignee_id = ?", admin)),
                            try #require(try await mirror.int("SELECT COUNT(*) FROM contact_tags WHERE tag_id = ?", tag)),
                            try #require(try await mirror.int("SELECT COUNT(*) FROM contact_segments WHERE segment_id = ?", segment)),
                            try #require(try await mirror.int("SELECT COUNT(*) FROM conversation_parts WHERE conversation_id = ?", conversation)))
            #expect(try await client.walk("/companies/\(company)/contacts").count == expected.0)
            #expect(try await client.walk("/admins/\(admin)/conversations").allSatisfy { $0["admin_assignee_id"]?.stringValue == admin })
            #expect(try await client.walk("/admins/\(admin)/conversations").count == expected.1)
            #expect(try await client.walk("/tags/\(tag)/contacts").count == expected.2)
            #expect(try await client.walk("/segments/\(segment)/contacts").count == expected.3)
            let parts = try await client.walk("/conversations/\(conversation)/parts")
            #expect(parts.count == expected.4)
            #expect(parts.allSatisfy { $0["conversation_id"]?.stringValue == conversation })
            let detail = try await client.getJSON("/conversations/\(conversation)").body
            #expect(detail["conversation_parts"]?.arrayValue?.count == expected.4)
            // Booleans are stored as 0 and 1 on both engines.
            let truncated = try await mirror.int("SELECT parts_truncated FROM conversations WHERE id = ?", conversation)
            #expect(detail["parts_truncated"] == .bool(try #require(truncated) != 0))
            for path in ["/contacts/\(user)/notes", "/contacts/\(user)/tags", "/contacts/\(user)/companies", "/contacts/\(user)/segments",
                         "/contacts/\(user)/events", "/companies/\(company)/conversations", "/teams", "/tags", "/segments",
                         "/data_attributes", "/articles", "/admins"] {
                let (status, body, _) = try await client.getJSON(path)
                #expect(status == .ok, "\(path): \(body.text)")
            }
            #expect(try await client.getJSON("/companies/no-such-company/contacts").status == .notFound)
        }
    }
}
