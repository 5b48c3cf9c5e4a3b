import IntercomAPI
import IntercomSimulator
import Sync
import Testing

@Suite struct FaultToleranceTests {
    @Test func withTenPercentFaultsAndARateLimitTheMirrorStillConverges() async throws {
        var options = rigOptions(seed: 44)
        options.contacts = 300
        options.companies = 60
        options.conversations = 120
        options.faultRate = 0.1
        options.rateLimit = 6_000
        options.stallSeconds = 4
        try await withRig(options) { rig in
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
        }
    }
}
