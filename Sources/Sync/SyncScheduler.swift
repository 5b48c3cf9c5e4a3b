import GRDB
import Foundation
import IntercomAPI
import Logging
import ServiceLifecycle

/// Runs sync passes on a schedule inside the service group: incremental every `interval`, and a full sweep
/// (the only way to see some deletions) every `fullInterval`. On shutdown the pass under way is cancelled;
/// every committed page is already checkpointed, so the next start resumes where it stopped.
public struct SyncScheduler: Service {
    let engine: SyncEngine
    let options: SyncOptions
    let interval: Duration
    let fullInterval: Duration
    let logger: Logger

    public init(engine: SyncEngine, options: SyncOptions, interval: Duration, fullInterval: Duration, logger: Logger) {
        self.engine = engine
        self.options = options
        self.interval = interval
        self.fullInterval = fullInterval
        self.logger = logger
    }

    public func run() async throws {
        let clock = ContinuousClock()
        await cancelWhenGracefulShutdown {
            var lastFull: ContinuousClock.Instant?
            while !Task.isCancelled {
                let started = clock.now
                var pass = options
                pass.full = options.full && lastFull == nil || lastFull.map { started - $0 >= fullInterval } ?? false
                do {
                    let report = try await engine.run(pass)
                    if pass.full || lastFull == nil { lastFull = started }
                    logger.info("sync pass finished", metadata: [
                        "full": "\(pass.full)", "rows": "\(report.written)", "calls": "\(report.api.calls)",
                        "rate_limited": "\(report.api.rateLimited)", "seconds": "\(String(format: "%.1f", report.seconds))",
                        "failed": "\(report.resources.filter { $0.error != nil }.map(\.resource.rawValue))",
                    ])
                } catch is CancellationError {
                    return
                } catch {
                    logger.error("sync pass failed", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(until: started + interval, clock: clock)
            }
        }
    }
}
