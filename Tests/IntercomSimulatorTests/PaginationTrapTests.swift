import IntercomAPI
import IntercomSimulator
import NIOHTTP1
import Testing

/// The four pagination styles, and the ways each one breaks a careless client.
@Suite struct PaginationTrapTests {
    @Test func contactCursorListWalksEveryContactOnce() async throws {
        try await withSimulator { sim, _ in
            var ids: [String] = []
            var path = "/contacts?per_page=150"
            var pages = 0
            while true {
                let page = try await sim.get(path).json()
                #expect(try page.require("type") == .string("list"))
                ids += try page.require("data").arrayValue!.map { try $0.require("id").stringValue! }
                pages += 1
                guard let next = page["pages"]?["next"]?["starting_after"]?.stringValue else { break }
                path = "/contacts?per_page=150&starting_after=\(next)"
            }
            let truth = try await sim.truth()
            #expect(ids.count == truth["contacts"]?["total"]?.intValue)
            #expect(Set(ids).count == ids.count)
            #expect(pages == 3)  // 400 contacts at 150 a page
        }
    }

    @Test func perPageAboveIntercomsMaximumIsClamped() async throws {
        try await withSimulator { sim, _ in
            let page = try await sim.get("/contacts?per_page=1000").json()
            #expect(page["data"]?.arrayValue?.count == 150)
            #expect(page["pages"]?["per_page"] == .int(150))
        }
    }

    @Test func searchCursorGoesInTheBody() async throws {
        try await withSimulator { sim, _ in
            let query: JSON = .object([("field", .string("created_at")), ("operator", .string(">")), ("value", .int(0))])
            let first = try await sim.post("/contacts/search", .object([("query", query), ("pagination", .object([("per_page", .int(50))]))])).json()
            let cursor = try first.require("pages.next.starting_after").stringValue!
            let firstIds = first["data"]!.arrayValue!.map { $0["id"]! }

            // A query-string cursor is silently ignored: page 1 comes back again.
            let again = try await sim.post("/contacts/search?starting_after=\(cursor)",
                                           .object([("query", query), ("pagination", .object([("per_page", .int(50))]))])).json()
            #expect(again["data"]!.arrayValue!.map { $0["id"]! } == firstIds)

            // In the body it advances.
            let second = try await sim.post("/contacts/search", .object([
                ("query", query), ("pagination", .object([("per_page", .int(50)), ("starting_after", .string(cursor))])),
            ])).json()
            let secondIds = second["data"]!.arrayValue!.map { $0["id"]! }
            #expect(secondIds.count == 50)
            #expect(Set(secondIds.map(\.text)).isDisjoint(with: Set(firstIds.map(\.text))))
        }
    }

    @Test func companyListingIsPageNumberedAndHidesCompaniesWithoutUsers() async throws {
        try await withSimulator { sim, _ in
            var seen = 0
            var page = 1
            while true {
                let body = try await sim.get("/companies?per_page=60&page=\(page)").json()
                let data = try body.require("data").arrayValue!
                seen += data.count
                #expect(data.allSatisfy { ($0["user_count"]?.intValue ?? 0) > 0 })
                guard case let .string(next)? = body["pages"]?["next"] else { break }
                #expect(next.contains("page=\(page + 1)"))
                page += 1
            }
            let truth = try await sim.truth()
            #expect(seen == truth["companies"]?["with_users"]?.intValue)
            #expect(seen < truth["companies"]!["total"]!.intValue!)
        }
    }

    @Test func companyListingStopsAtTheCap() async throws {
        var options = smallOptions()
        options.companyListingCap = 20
        try await withSimulator(options) { sim, _ in
            let first = try await sim.get("/companies?per_page=15&page=1").json()
            let second = try await sim.get("/companies?per_page=15&page=2").json()
            let third = try await sim.get("/companies?per_page=15&page=3").json()
            #expect(first["data"]?.arrayValue?.count == 15)
            #expect(second["data"]?.arrayValue?.count == 5)
            #expect(third["data"]?.arrayValue?.isEmpty == true)
            #expect(first["total_count"]!.intValue! > 20)
        }
    }

    @Test func scrollReturnsEveryCompanyThenAnEmptyPageWithAParam() async throws {
        try await withSimulator { sim, _ in
            var first = try await sim.get("/companies/scroll").json()
            var total = first["data"]!.arrayValue!.count
            var param = first["scroll_param"]!.stringValue!
            while true {
                first = try await sim.get("/companies/scroll?scroll_param=\(param)").json()
                let count = first["data"]!.arrayValue!.count
                #expect(first["scroll_param"]?.stringValue != nil)
                if count == 0 { break }
                total += count
                param = first["scroll_param"]!.stringValue!
            }
            #expect(try await sim.truth()["companies"]?["total"]?.intValue == total)
            // Once finished, a new scroll may start.
            #expect(try await sim.get("/companies/scroll").status == 200)
        }
    }

    @Test func secondScrollIsRejectedWhileOneIsOpen() async throws {
        try await withSimulator { sim, _ in
            #expect(try await sim.get("/companies/scroll").status == 200)
            let second = try await sim.get("/companies/scroll")
            #expect(second.status == 400)
            #expect(try second.json()["errors"]?.arrayValue?.first?["code"] == .string("scroll_exists"))
            #expect(try await sim.control(.GET, "/counters")["scroll_conflicts"] == .int(1))
        }
    }

    @Test func idleScrollExpires() async throws {
        try await withSimulator { sim, _ in
            let param = try await sim.get("/companies/scroll").json()["scroll_param"]!.stringValue!
            try await sim.control(.POST, "/config", .object([("advance_clock", .int(61))]))
            #expect(try await sim.get("/companies/scroll?scroll_param=\(param)").status == 404)
            #expect(try await sim.get("/companies/scroll").status == 200)
        }
    }

    @Test func scrollCannotResumeAfterAServerError() async throws {
        try await withSimulator { sim, _ in
            let param = try await sim.get("/companies/scroll").json()["scroll_param"]!.stringValue!
            try await sim.control(.POST, "/config", .object([("force_faults", .array([.string("internal_error")]))]))
            #expect(try await sim.get("/companies/scroll?scroll_param=\(param)").status == 500)
            #expect(try await sim.get("/companies/scroll?scroll_param=\(param)").status == 404)
            #expect(try await sim.get("/companies/scroll").status == 200)
        }
    }

    @Test func deletedConversationsArePageNumbered() async throws {
        try await withSimulator { sim, _ in
            for id in ["1000", "1001", "1002"] { try await sim.control(.DELETE, "/conversations/\(id)") }
            let page = try await sim.get("/conversations/deleted?per_page=2").json()
            #expect(page["type"] == .string("conversations.list"))
            #expect(page["total_count"] == .int(3))
            #expect(page["conversations"]?.arrayValue?.count == 2)
            #expect(page["pages"]?["next"]?.stringValue?.contains("page=2") == true)
            #expect(try await sim.get("/conversations/1001").status == 404)
        }
    }
}

extension PaginationTrapTests {
    @Test func searchPagesReportTheirPageNumber() async throws {
        try await withSimulator { sim, _ in
            let query: JSON = .object([("field", .string("created_at")), ("operator", .string(">")), ("value", .int(0))])
            let first = try await sim.post("/contacts/search", .object([("query", query), ("pagination", .object([("per_page", .int(100))]))])).json()
            #expect(first["pages"]?["page"] == .int(1))
            let cursor = try first.require("pages.next.starting_after")
            let second = try await sim.post("/contacts/search", .object([
                ("query", query), ("pagination", .object([("per_page", .int(100)), ("starting_after", cursor)])),
            ])).json()
            #expect(second["pages"]?["page"] == .int(2))
            #expect(second["pages"]?["next"]?["page"] == .int(3))
            #expect(second["pages"]?["total_pages"] == .int(4))
        }
    }
}
