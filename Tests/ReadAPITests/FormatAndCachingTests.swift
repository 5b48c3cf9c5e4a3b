import Foundation
import HTTPTypes
import GRDB
import IntercomAPI
import MirrorStore
import ReadAPI
import TestSupport
import Testing

@Suite struct FormatTests {
    @Test(arguments: TestEngine.all)
    func csvStreamsTheWholeListWithAHeaderAndQuoting(engine: TestEngine) async throws {
        let mirror = try await sharedMirror(engine)
        try await mirror.withAPI { client in
            let (status, text, headers) = try await client.getText("/contacts?format=csv&fields=id,name,custom_attributes")
            #expect(status == .ok)
            #expect(headers[.contentType]?.hasPrefix("text/csv") == true)
            let records = Self.parseCSV(text)
            #expect(records.first == ["id", "name", "custom_attributes"])
            #expect(records.count - 1 == mirror.truth["contacts"]?["total"]?.intValue)
            // Every row parses back to three cells, and each custom_attributes cell is JSON again.
            #expect(records.dropFirst().allSatisfy { $0.count == 3 })
            #expect(records.dropFirst().allSatisfy { $0[2].isEmpty || (try? JSON.parse($0[2])) != nil })
            let byAccept = try await client.getText("/users?fields=id", headers: [.accept: "text/csv"])
            #expect(byAccept.text.split(separator: "\r\n").count - 1 == mirror.truth["contacts"]?["user"]?.intValue)
        }
    }

    @Test(arguments: TestEngine.all)
    func ndjsonStreamsOneObjectPerLine(engine: TestEngine) async throws {
        let mirror = try await sharedMirror(engine)
        try await mirror.withAPI { client in
            let (status, text, _) = try await client.getText("/conversations?format=ndjson&state=open")
            #expect(status == .ok)
            let lines = text.split(separator: "\n")
            let objects = lines.compactMap { try? JSON.parse(String($0)) }
            #expect(objects.count == lines.count)
            #expect(objects.count == mirror.truth["conversations"]?["by_state"]?["open"]?.intValue)
            #expect(objects.allSatisfy { $0["state"]?.stringValue == "open" })
        }
    }

    /// RFC 4180: quoted cells may hold commas, quotes (doubled) and line breaks.
    static func parseCSV(_ text: String) -> [[String]] {
        var records: [[String]] = [], record: [String] = [], cell = ""
        var quoted = false, chars = Array(text), i = 0
        while i < chars.count {
            let c = chars[i]
            if quoted {
                if c == "\"" {
                    if i + 1 < chars.count, chars[i + 1] == "\"" { cell.append("\""); i += 1 } else { quoted = false }
                } else { cell.append(c) }
            } else if c == "\"" { quoted = true
            } else if c == "," { record.append(cell); cell = ""
            } else if c == "\r\n" || c == "\n" { record.append(cell); records.append(record); record = []; cell = ""
            } else { cell.append(c) }
            i += 1
        }
        if !cell.isEmpty || !record.isEmpty { record.append(cell); records.append(record) }
        return records
    }
}

@Suite struct CachingTests {
    @Test(arguments: [0, 951_782_400, 1_709_164_800, 1_795_466_323, 4_102_444_799, -86_401])
    func lastModifiedIsAnIMFFixdate(seconds: Int) {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        #expect(HTTPDate.format(seconds) == formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds))))
    }

    @Test(arguments: TestEngine.all)
    func anUnchangedListAnswers304UntilTheSyncWrites(engine: TestEngine) async throws {
        let mirror = try await freshMirror(engine: engine, contacts: 60, conversations: 20)
        try await mirror.withAPI { client in
            let first = try await client.getJSON("/contacts?limit=5")
            let tag = try #require(first.headers[.eTag])
            #expect(first.headers[.lastModified] != nil)
            let again = try await client.getJSON("/contacts?limit=5", headers: [.ifNoneMatch: tag])
            #expect(again.status == .notModified)
            // Another URL has another tag.
            #expect(try await client.getJSON("/contacts?limit=6", headers: [.ifNoneMatch: tag]).status == .ok)
            // A sync write moves the generation: the old tag no longer matches.
            try await mirror.execute("UPDATE contacts SET name = 'Renamed' WHERE id = (SELECT MIN(id) FROM contacts)")
            let changed = try await client.getJSON("/contacts?limit=5", headers: [.ifNoneMatch: tag])
            #expect(changed.status == .ok)
            #expect(changed.headers[.eTag] != tag)
            #expect(changed.body["data"]?.arrayValue?.first?["name"]?.stringValue == "Renamed")
        }
    }

    @Test(arguments: TestEngine.all)
    func countsAreRecomputedAfterEveryWrite(engine: TestEngine) async throws {
        let mirror = try await freshMirror(engine: engine, contacts: 60, conversations: 20)
        try await mirror.withAPI { client in
            let before = try await client.getJSON("/counts").body["contacts"]?["total"]?.intValue
            #expect(try await client.getJSON("/counts").body["contacts"]?["total"]?.intValue == before)
            let id = try #require(try await mirror.string("SELECT id FROM contacts LIMIT 1"))
            try await mirror.store.write { tx in try tx.delete(Catalog.table("contacts"), id: id, reason: "test", at: 0) }
            let after = try await client.getJSON("/counts").body["contacts"]?["total"]?.intValue
            #expect(after == before.map { $0 - 1 })
        }
    }

    /// A list's group counts are memoised per generation like `/counts`: a write between two asks changes the answer.
    @Test(arguments: TestEngine.all)
    func groupCountsAreRecomputedAfterEveryWrite(engine: TestEngine) async throws {
        let mirror = try await freshMirror(engine: engine, contacts: 60, conversations: 20)
        try await mirror.withAPI { client in
            @Sendable func counts() async throws -> [String: Int] {
                let rows = try await client.getJSON("/contacts/counts?group_by=role").body["data"]?.arrayValue ?? []
                return Dictionary(uniqueKeysWithValues: rows.map { ($0["role"]?.stringValue ?? "", $0["count"]?.intValue ?? 0) })
            }
            let before = try await counts()
            #expect(try await counts() == before)
            let id = try #require(try await mirror.string("SELECT id FROM contacts WHERE role = 'user' LIMIT 1"))
            try await mirror.store.write { tx in try tx.delete(Catalog.table("contacts"), id: id, reason: "test", at: 0) }
            var expected = before
            expected["user"] = (before["user"] ?? 0) - 1
            #expect(try await counts() == expected)
        }
    }
}
