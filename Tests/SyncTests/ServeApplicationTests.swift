import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import IntercomAPI
import IntercomSimulator
import Logging
import MirrorStore
import Prometheus
import Serving
import Sync
import TestSupport
import Testing

/// The composition root `serve` and `demo` run, built in-process over a live simulator: its scheduler fills the mirror
/// and its read API serves it.
@Suite struct ServeApplicationTests {
    @Test(arguments: TestEngine.all)
    func theScheduledSyncFillsTheMirrorThatTheReadAPIServes(engine: TestEngine) async throws {
        try await withRig(rigOptions(seed: 81), engine: engine) { rig in
            var logger = Logger(label: "serve-test")
            logger.logLevel = .critical
            let began = Int(Date().timeIntervalSince1970)
            let app = ServeApplication(engine: rig.engine, options: SyncOptions(), interval: .seconds(1), fullInterval: .seconds(3_600),
                                       host: "127.0.0.1", port: 0, ioThreads: 1, registry: PrometheusCollectorRegistry(), logger: logger)
                .build { _ in }
            try await app.test(.live) { client in
                // Ready once the first pass has written; poll, as a load balancer's probe would.
                var ready = false
                for _ in 0..<600 where !ready {
                    ready = try await client.execute(uri: "/readyz", method: .get) { $0.status == .ok }
                    if !ready { try await Task.sleep(for: .milliseconds(100)) }
                }
                #expect(ready)
                let truth = rig.workspace.groundTruth()
                // The first pass may still be under way for later resources: wait for the one checked here.
                var total: Int?
                for _ in 0..<600 {
                    total = try await client.execute(uri: "/contacts?count=true&limit=1", method: .get) { response in
                        try JSON.parse(Array(response.body.readableBytesView))["total_count"]?.intValue
                    }
                    if total == truth["contacts"]?["total"]?.intValue { break }
                    try await Task.sleep(for: .milliseconds(100))
                }
                #expect(total == truth["contacts"]?["total"]?.intValue)
                let webhooks = try await client.execute(uri: "/webhooks/intercom", method: .post) { $0.status }
                #expect(webhooks == .notFound, "without a client secret the webhook route is off")
                let metrics = try await client.execute(uri: "/metrics", method: .get) { String(buffer: $0.body) }
                #expect(metrics.contains("intercache_"))
                // The scheduler's plan is in /sync: the next pass is due within the 1 s interval of the last start.
                var schedule: JSON?
                for _ in 0..<100 {
                    schedule = try await client.execute(uri: "/sync", method: .get) { response in
                        try JSON.parse(Array(response.body.readableBytesView))["schedule"]
                    }
                    if schedule?["next_pass_at"]?.intValue != nil { break }
                    try await Task.sleep(for: .milliseconds(50))
                }
                let now = Int(Date().timeIntervalSince1970)
                #expect(schedule?["interval_seconds"]?.intValue == 1)
                #expect(schedule?["full_sweep_interval_seconds"]?.intValue == 3_600)
                let next = try #require(schedule?["next_pass_at"]?.intValue)
                // A pass starts after the serve did and the next is due one interval after the latest start; the full sweep
                // one full interval after the first pass started (however long that pass took on a loaded machine).
                #expect((began + 1)...(now + 2) ~= next)
                let full = try #require(schedule?["next_full_sweep_at"]?.intValue)
                #expect((began + 3_600)...(now + 3_601) ~= full)
            }
        }
    }
}
