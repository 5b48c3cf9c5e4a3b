import Logging
import MirrorStore
import ServiceLifecycle
import Sync

/// Runs the leader's work in one replica of many sharing a PostgreSQL mirror: every replica serves reads and queues
/// webhooks; the one holding `Leadership` also runs the sync scheduler and drains the webhook queue. A follower tries
/// to claim leadership every `claimInterval`, so when the leader dies (its session, and with it the advisory lock, ends
/// at once) another takes over within that interval and the scheduler resumes from the committed checkpoints.
struct LeaderService: Service {
    let leadership: Leadership
    let state: ReplicaState
    let scheduler: SyncScheduler
    let drainer: WebhookQueueDrainer?
    let logger: Logger
    /// 5 s between claims: takeover well inside 30 s, and a follower's claim is one cheap query.
    var claimInterval: Duration = .seconds(5)

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let leads: Bool
                do {
                    leads = try await leadership.claim()
                } catch {
                    logger.warning("cannot claim leadership", metadata: ["error": "\(error)"])
                    leads = false
                }
                guard leads else {
                    try? await Task.sleep(for: claimInterval)
                    continue
                }
                state.set(leading: true)
                logger.notice("leading: this replica runs the sync", metadata: ["replica": "\(leadership.replica)"])
                await withTaskGroup(of: Void.self) { group in
                    group.addTask { try? await scheduler.run() }
                    if let drainer { group.addTask { await drainer.run() } }
                    // The watchdog: returns when the session that holds the lock is gone.
                    group.addTask {
                        while !Task.isCancelled {
                            try? await Task.sleep(for: claimInterval)
                            if Task.isCancelled { return }
                            if (try? await leadership.claim()) != true { return }
                        }
                    }
                    await group.next()
                    group.cancelAll()
                }
                state.set(leading: false)
                if !Task.isCancelled { logger.warning("lost leadership; following", metadata: ["replica": "\(leadership.replica)"]) }
            }
            await leadership.resign()
        }
    }
}
