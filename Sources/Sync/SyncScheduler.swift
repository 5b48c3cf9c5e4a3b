import Foundation
import IntercomAPI
import Logging
import Metrics
import MirrorStore
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

    /// Exports a pass through swift-metrics (Prometheus in `serve`): durations, records, API calls, 429s, retries.
    static func record(_ report: SyncReport, full: Bool) {
        let mode = full ? "full" : "incremental"
        Metrics.Timer(label: "intercache_sync_duration_seconds", dimensions: [("mode", mode)], preferredDisplayUnit: .seconds)
            .recordNanoseconds(Int64(report.seconds * 1e9))
        for resource in report.resources {
            let dimensions = [("resource", resource.resource.rawValue)]
            Counter(label: "intercache_sync_records_total", dimensions: dimensions).increment(by: resource.written)
            Counter(label: "intercache_sync_deleted_total", dimensions: dimensions).increment(by: resource.deleted)
            if resource.error != nil { Counter(label: "intercache_sync_failures_total", dimensions: dimensions).increment() }
            if resource.unavailable != nil { Counter(label: "intercache_sync_unavailable_total", dimensions: dimensions).increment() }
            Counter(label: "intercache_sync_drift_total", dimensions: dimensions).increment(by: resource.drift.reduce(0) { $0 + $1.count })
        }
        Counter(label: "intercache_intercom_api_calls_total").increment(by: report.api.calls)
        Counter(label: "intercache_intercom_rate_limited_total").increment(by: report.api.rateLimited)
        Counter(label: "intercache_intercom_retries_total").increment(by: report.api.retries)
    }

    /// Whole seconds of `duration`, rounded up so a next-pass time is never early.
    static func seconds(_ duration: Duration) -> Int {
        let (whole, fraction) = duration.components
        return Int(whole) + (fraction > 0 ? 1 : 0)
    }

    public func run() async throws {
        let clock = ContinuousClock()
        await cancelWhenGracefulShutdown {
            var lastFull: ContinuousClock.Instant?
            while !Task.isCancelled {
                let started = clock.now
                var pass = options
                pass.full = options.full && lastFull == nil || lastFull.map { started - $0 >= fullInterval } ?? false
                let wallStart = Int(Date().timeIntervalSince1970)
                engine.health.record(schedule: SyncHealth.Schedule(
                    interval: Self.seconds(interval), fullInterval: Self.seconds(fullInterval), runningSince: wallStart, full: pass.full,
                    nextPassAt: wallStart + Self.seconds(interval), nextFullSweepAt: lastFull.map { wallStart + Swift.max(0, Self.seconds(fullInterval - (started - $0))) }))
                defer {
                    // After the pass: the next one starts at started + interval (at once if the pass took longer).
                    let now = clock.now
                    let wallNow = Int(Date().timeIntervalSince1970)
                    let next = started + interval
                    let nextPass = wallNow + (next > now ? Self.seconds(next - now) : 0)
                    let nextFull = lastFull.map { wallNow + Swift.max(0, Self.seconds(fullInterval - (now - $0))) }
                    engine.health.record(schedule: SyncHealth.Schedule(
                        interval: Self.seconds(interval), fullInterval: Self.seconds(fullInterval), full: nextFull.map { $0 <= nextPass } ?? false,
                        nextPassAt: nextPass, nextFullSweepAt: nextFull))
                }
                do {
                    let report = try await engine.run(pass)
                    if pass.full || lastFull == nil { lastFull = started }
                    Self.record(report, full: pass.full)
                    logger.info("sync pass finished", metadata: [
                        "full": "\(pass.full)", "rows": "\(report.written)", "calls": "\(report.api.calls)",
                        "rate_limited": "\(report.api.rateLimited)", "seconds": "\(String(format: "%.1f", report.seconds))",
                        "failed": "\(report.resources.filter { $0.error != nil }.map(\.resource.rawValue))",
                        "unavailable": "\(report.resources.filter { $0.unavailable != nil }.map(\.resource.rawValue))",
                    ])
                } catch is CancellationError {
                    return
                } catch let error as SyncError {
                    // A rejected token: nothing is written, /readyz answers 503 and /sync says why; the next pass tries
                    // again, so a token fixed in the workspace heals without a restart.
                    logger.error("sync pass stopped", metadata: ["error": "\(error)"])
                } catch {
                    logger.error("sync pass failed", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(until: started + interval, clock: clock)
            }
        }
    }
}
