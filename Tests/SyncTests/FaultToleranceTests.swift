import IntercomAPI
import IntercomSimulator
import Sync
import TestSupport
import Testing

@Suite struct FaultToleranceTests {
    @Test(arguments: TestEngine.all)
    func withTenPercentFaultsAndARateLimitTheMirrorStillConverges(engine: TestEngine) async throws {
        var options = rigOptions(seed: 44)
        options.contacts = 300
        options.companies = 60
        options.conversations = 120
        options.faultRate = 0.1
        options.rateLimit = 6_000
        options.stallSeconds = 4
        try await withRig(options, engine: engine) { rig in
            var passes = 0
            var diff = ["not synced yet"]
            // Faults can fail a resource's pass; each later pass resumes from its checkpoint.
            while !diff.isEmpty, passes < 6 {
                passes += 1
                try await rig.sync(full: true)
                diff = try await differences(rig)
            }
            #expect(diff.isEmpty, "after \(passes) passes: \(diff)")
            #expect(rig.workspace.counters.faults > 0)
            #expect(rig.client.statistics.retries > 0)
            #expect(rig.client.statistics.transportFailures > 0, "the 4 s stalls outlast the rig's 3 s timeout")
        }
    }
}

@Suite struct ConcurrencyTests {
    /// `--concurrency N` must mean N calls in flight: the shared HTTP client's pool of 8 connections per host once
    /// queued the rest silently, halving a sync's speed against a slow API.
    @Test(arguments: TestEngine.all)
    func conversationFetchesKeepTheConfiguredCallsInFlight(engine: TestEngine) async throws {
        var options = rigOptions(seed: 45)
        options.contacts = 60
        options.companies = 10
        options.conversations = 120
        // A 15 s request timeout: what this counts is calls at once, not how long one may take; under the full suite's
        // load a 250 ms call once ran past the rig's 3 s and the pass gave up.
        try await withRig(options, engine: engine, requestTimeout: 15) { rig in
            // 1 s per call: calls overlap long enough for the simulator to count them. In the full suite on two cores,
            // starting 16 calls took longer than a call of 30 ms lasted, and later of 250 ms, and only 5 were seen at once.
            try await rig.control(.post, "/config", .object([("latency_ms", .int(1_000))]))
            try await rig.sync(full: true, resources: [.conversations])
            #expect(rig.workspace.counters.maxInFlight > 8)
            #expect(rig.workspace.counters.maxInFlight <= SyncOptions().concurrency + 1)
        }
    }
}
