import IntercomAPI
import Foundation
import IntercomSimulator
import NIOHTTP1
import Testing

/// Rate-limit headers, 429s past the 10-second window, and each injected fault.
@Suite struct RateLimitAndFaultTests {
    @Test func everyAuthenticatedResponseCarriesRateLimitHeaders() async throws {
        try await withSimulator { sim, _ in
            for path in ["/me", "/contacts?per_page=1", "/contacts/nope"] {
                let response = try await sim.get(path)
                #expect(response.header("X-RateLimit-Limit") != nil, "\(path)")
                #expect(response.header("X-RateLimit-Remaining").flatMap { Int($0) } != nil, "\(path)")
                let reset = try #require(response.header("X-RateLimit-Reset").flatMap { Int($0) })
                #expect(abs(reset - Int(Date().timeIntervalSince1970)) <= 10)
            }
        }
    }

    @Test func callsPastTheWindowGet429() async throws {
        var options = smallOptions()
        options.rateLimit = 6  // 1 call per 10-second window
        try await withSimulator(options) { sim, _ in
            // Calls are grouped by the window their X-RateLimit-Reset names, so the check holds however slowly they run
            // (25 calls under a loaded test run once took 23 s, spanning three 10-call windows): in each window one call
            // passes and every later one is refused. 25 calls span 25 windows only if they take over 4 minutes.
            var byWindow: [Int: [Int]] = [:]
            var statuses: [Int] = []
            for _ in 0..<25 {
                let response = try await sim.get("/me")
                statuses.append(response.status)
                let reset = try #require(response.header("X-RateLimit-Reset").flatMap { Int($0) })
                byWindow[reset, default: []].append(response.status)
                if response.status == 429 {
                    #expect(try response.json()["errors"]?.arrayValue?.first?["code"] == .string("rate_limit_exceeded"))
                    #expect(response.header("X-RateLimit-Remaining") == "0")
                }
            }
            for (window, seen) in byWindow {
                #expect(seen.filter { $0 == 200 }.count <= 1, "window ending \(window): \(seen)")
                #expect(seen.dropFirst().allSatisfy { $0 == 429 }, "window ending \(window): \(seen)")
            }
            #expect(statuses.filter { $0 == 429 }.count >= 5)
            #expect(try await sim.control(.GET, "/counters")["rate_limited"]!.intValue! >= 5)
        }
    }

    func forcing(_ sim: SimClient, _ fault: String) async throws {
        try await sim.control(.POST, "/config", .object([("force_faults", .array([.string(fault)])), ("stall_seconds", .double(1.5))]))
    }

    @Test func internalErrorIsAJSONErrorList() async throws {
        try await withSimulator { sim, _ in
            try await forcing(sim, "internal_error")
            let response = try await sim.get("/admins")
            #expect(response.status == 500)
            #expect(try response.json()["type"] == .string("error.list"))
            #expect(try await sim.get("/admins").status == 200)
        }
    }

    @Test func badGatewayIsHTML() async throws {
        try await withSimulator { sim, _ in
            try await forcing(sim, "bad_gateway_html")
            let response = try await sim.get("/admins")
            #expect(response.status == 502)
            #expect(response.header("Content-Type")?.hasPrefix("text/html") == true)
            #expect((try? response.json()) == nil)
        }
    }

    @Test func serviceUnavailableIs503() async throws {
        try await withSimulator { sim, _ in
            try await forcing(sim, "unavailable")
            #expect(try await sim.get("/admins").status == 503)
        }
    }

    @Test func truncatedBodyIsNotValidJSON() async throws {
        try await withSimulator { sim, _ in
            try await forcing(sim, "truncated_body")
            let response = try await sim.get("/contacts?per_page=20")
            #expect(response.status == 200)
            #expect(!response.body.isEmpty)
            #expect((try? response.json()) == nil)
        }
    }

    @Test func stalledResponseHangsThenAnswers() async throws {
        try await withSimulator { sim, _ in
            try await forcing(sim, "stall")
            let started = ContinuousClock.now
            let response = try await sim.get("/admins")
            #expect(ContinuousClock.now - started >= .seconds(1.4))
            #expect(response.status == 200)
        }
    }

    @Test func faultRateFailsAShareOfCalls() async throws {
        try await withSimulator { sim, _ in
            try await sim.control(.POST, "/config", .object([("fault_rate", .double(0.5)), ("stall_seconds", .double(0.05))]))
            var failures = 0
            for _ in 0..<60 {
                let response = try await sim.get("/tags")
                if response.status != 200 || (try? response.json()) == nil { failures += 1 }
            }
            // At 50% with stalls (which still answer), failures land well inside these bounds.
            #expect((10...50).contains(failures))
            #expect(try await sim.control(.GET, "/counters")["faults"]!.intValue! >= failures)
        }
    }
}
