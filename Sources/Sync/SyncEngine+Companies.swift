import Logging
import IntercomAPI
import MirrorStore

extension SyncEngine {
    /// Companies come from the scroll: the only listing that includes companies without users and has no
    /// 10,000 cap. Intercom has no company search, so every pass is a full scroll and a deletion sweep.
    ///
    /// A scroll page cannot be retried (the server may already have moved past it), and only one scroll may be
    /// open per app. After a failed page we keep draining the same scroll, so it closes, and then scroll again
    /// until one completes without a gap; after a 500 Intercom has already dropped the scroll.
    func syncCompanies(context: PassContext, report: inout ResourceReport) async throws {
        report.mode = "full"
        let table = TableSpec.companies
        let generation = try await store.write { tx in
            var saved = try tx.checkpoint(SyncResource.companies.rawValue)
            saved.beginSweep(at: Self.now())
            try tx.save(saved)
            return saved.sweepGeneration
        }
        let clock = ContinuousClock()
        // When this wait for another app's scroll began: the budget counts from the first `scroll_exists` in a row, not
        // from the pass's start, so a pass slowed by earlier pages (or a slow Intercom) still waits the whole budget.
        var waitStarted: ContinuousClock.Instant?
        var failures = 0
        var seen = 0
        scrolling: while true {
            var walker = PageWalker(.scroll(path: "/companies/scroll"))
            var gap = false
            seen = 0
            while let request = walker.nextRequest() {
                let body: JSON
                do {
                    body = try await client.send(request)
                } catch let IntercomError.scrollBroken(reason) {
                    failures += 1
                    guard failures < 100 else { throw IntercomError.scrollBroken(reason: "too many failed scroll pages: \(reason)") }
                    if reason.hasPrefix("500") || request.query.isEmpty { continue scrolling }
                    gap = true  // keep draining this scroll so it closes; a page may be lost, so scroll again after
                    continue
                } catch let IntercomError.notFound(problem) where !request.query.isEmpty {
                    // The scroll expired under us (a minute idle, perhaps while the process was paused): Intercom has
                    // dropped it, so scroll again. Only a 404 on the first page means the endpoint is missing.
                    failures += 1
                    guard failures < 100 else { throw IntercomError.scrollBroken(reason: "too many expired scrolls: \(problem.message)") }
                    logger.info("the company scroll expired; scrolling again", metadata: ["message": "\(problem.message)"])
                    continue scrolling
                } catch let IntercomError.rejected(400, code, _) where code == "scroll_exists" {
                    // Another scroll of this app is open (perhaps ours, from a process that was killed): wait it out.
                    let since = waitStarted ?? clock.now
                    waitStarted = since
                    guard clock.now - since < .seconds(context.options.scrollWaitSeconds) else {
                        throw IntercomError.rejected(status: 400, code: code, message: "another company scroll stayed open")
                    }
                    try await Task.sleep(for: .seconds(2))
                    continue scrolling
                }
                waitStarted = nil
                let page = walker.advance(with: body)
                guard !page.items.isEmpty else { break }
                let items = page.items
                try await store.write { tx in
                    for item in items { try tx.upsert(table, item: item, sweep: generation) }
                }
                seen += items.count
                report.written += items.count
                progress.update(report.resource, written: report.written)
            }
            if !gap { break }
        }
        let (deleted, mirrored) = try await store.write { tx in
            let gone = try tx.deleteUnswept(table, generation: generation, reason: "absent_from_full_sweep", at: Self.now())
            var saved = try tx.checkpoint(SyncResource.companies.rawValue)
            saved.finishSweep(at: Self.now())
            try tx.save(saved)
            return (gone, try tx.count(table))
        }
        report.deleted += deleted
        report.mirrored = mirrored
        report.intercomTotal = seen
    }
}
