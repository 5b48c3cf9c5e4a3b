import IntercomAPI
import Logging
import MirrorStore

extension SyncEngine {
    /// Starts a paged pass, or resumes the one a killed process left in the checkpoint, and saves that state.
    /// A new full sweep takes the next generation, so rows it does not stamp are known to be gone.
    func beginPass(_ checkpoint: Checkpoint, sweeping: Bool) async throws -> Checkpoint {
        var state = checkpoint
        state.begin(sweeping: sweeping, at: Self.now())
        try await store.write { [state] tx in try tx.save(state) }
        return state
    }

    /// Walks the pages of `style` from the checkpoint's position. `prepare` does a page's network work (the sub-resource
    /// fetches); `commit` must write the prepared pages and the checkpoint it is handed (already pointing past the last
    /// of them) in one transaction, and returns the rows written.
    ///
    /// Pages are committed in batches of at least `batchRows` rows (`SyncOptions.batchRows`): each transaction
    /// rewrites in the WAL every page of every index it touches. While a batch is prepared, the next page is already
    /// being fetched (its cursor is in the last one) and the previous batch is being committed. Commits run one at a
    /// time and in page order, so a kill at any moment still leaves a checkpoint that matches its rows; a kill loses
    /// only the pages not yet committed, which the resumed pass fetches again.
    func walkPages<Prepared: PreparedPage>(_ style: PageStyle, batchRows: Int,
                                           state: inout Checkpoint, report: inout ResourceReport,
                                           prepare: (IntercomPage) async throws -> Prepared,
                                           commit: @escaping @Sendable ([Prepared], Checkpoint) async throws -> Int) async throws {
        let client = self.client
        func fetch(_ walker: PageWalker) -> Task<JSON, any Error>? {
            walker.nextRequest().map { request in Task { try await client.send(request) } }
        }
        var walker = PageWalker(style, resume: state.position)
        var fetching = fetch(walker)
        var committing: Task<Int, any Error>?
        var batch: [Prepared] = []
        var pendingRows = 0
        // Waits for the commit under way, if any, and counts its rows.
        func settle() async throws {
            guard let previous = committing else { return }
            committing = nil
            report.written += try await previous.value
            progress.update(report.resource, written: report.written)
        }
        do {
            while let current = fetching {
                let body: JSON
                do {
                    body = try await current.value
                } catch let IntercomError.rejected(400, _, message) where state.position != nil {
                    // A cursor from before a restart that Intercom no longer accepts: start this pass's pages over.
                    logger.warning("stale cursor, restarting pass", metadata: ["resource": "\(report.resource.rawValue)", "reason": "\(message)"])
                    state.advance(to: nil)
                    walker = PageWalker(style)
                    fetching = fetch(walker)
                    continue
                }
                let page = walker.advance(with: body)
                fetching = fetch(walker)
                if state.mode == .sweep, let total = page.totalCount { report.intercomTotal = total }
                state.advance(to: page.next)
                let prepared = try await prepare(page)
                batch.append(prepared)
                pendingRows += prepared.rowCount
                guard pendingRows >= batchRows || fetching == nil else { continue }
                try await settle()
                let saved = state, pages = batch
                batch = []
                pendingRows = 0
                committing = Task { try await commit(pages, saved) }
            }
            try await settle()
        } catch {
            // Stop the page fetch, and let a commit under way finish (its rows and checkpoint are whole either way).
            fetching?.cancel()
            _ = try? await committing?.value
            throw error
        }
    }

    /// Ends a paged pass: everything changed before it started is in, and the index-lag margin makes the next
    /// incremental pass re-read what search may not have shown yet. Returns the rows `table` now holds.
    func finishPass(_ state: Checkpoint, table: TableSpec, indexLagSeconds: Int) async throws -> Int {
        var done = state
        done.finishPass(indexLagSeconds: indexLagSeconds, at: Self.now())
        return try await store.write { [done] tx in
            try tx.save(done)
            return try tx.count(table)
        }
    }
}

/// A page's fetched work, waiting to be committed; `rowCount` (about the rows its commit writes) sizes the batches.
protocol PreparedPage: Sendable {
    var rowCount: Int { get }
}
