import Hummingbird
import Logging
import MirrorStore
import Metrics
import NIOPosix
import Prometheus
import ReadAPI
import ServiceLifecycle
import Sync

/// The composition root: what `serve` runs, `demo` after its first sync, and the tests build: the read API, the sync
/// scheduler and (with a client secret) the webhook worker, in one ServiceGroup. Metrics are the caller's: it bootstraps
/// the process's metrics system once, with the registry it hands in, which `/metrics` serves.
public struct ServeApplication {
    public var engine: SyncEngine
    public var options: SyncOptions
    public var interval: Duration
    public var fullInterval: Duration
    public var host: String
    public var port: Int
    public var apiKeys: [String]
    /// `INTERCOM_CLIENT_SECRET`; nil or empty leaves `POST /webhooks/intercom` off (404).
    public var webhookSecret: String?
    public var ioThreads: Int
    public var registry: PrometheusCollectorRegistry
    public var logger: Logger
    /// This replica's name among those sharing a PostgreSQL mirror (`INTERCACHE_REPLICA_ID`, or host and pid).
    public var replica: String = Leadership.defaultReplicaName

    public init(engine: SyncEngine, options: SyncOptions, interval: Duration, fullInterval: Duration, host: String, port: Int,
                apiKeys: [String] = [], webhookSecret: String? = nil, ioThreads: Int, registry: PrometheusCollectorRegistry,
                logger: Logger) {
        self.engine = engine
        self.options = options
        self.interval = interval
        self.fullInterval = fullInterval
        self.host = host
        self.port = port
        self.apiKeys = apiKeys
        self.webhookSecret = webhookSecret
        self.ioThreads = ioThreads
        self.registry = registry
        self.logger = logger
    }

    /// Bootstraps the process's metrics system with a new registry and returns it; call it once per process.
    public static func bootstrapMetrics() -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }

    /// The application; `onServerRunning` receives the bound port.
    public func build(onServerRunning: @escaping @Sendable (Int) async -> Void) -> some ApplicationProtocol {
        let scheduler = SyncScheduler(engine: engine, options: options, interval: interval, fullInterval: fullInterval, logger: logger)
        let webhooks = WebhookSetup(secret: webhookSecret, engine: engine, replica: replica, logger: logger)
        var configuration = ReadAPIConfiguration(apiKeys: apiKeys, webhooks: webhooks.receiver, syncHealth: engine.health)
        let store = engine.store
        let state = ReplicaState(replica: replica, leading: !store.isShared)
        configuration.replica = state
        // On SQLite the one process leads; replicas of a PostgreSQL mirror run the sync only while they hold leadership.
        let sync: any Service = store.isShared
            ? LeaderService(leadership: store.leadership(replica: replica), state: state, scheduler: scheduler,
                            drainer: webhooks.inbox.map { WebhookQueueDrainer(store: store, inbox: $0, logger: logger) }, logger: logger)
            : scheduler
        let port = self.port
        return Application(
            router: ReadAPI.buildRouter(store: engine.store, configuration: configuration, registry: registry),
            server: ReadAPI.server(),
            configuration: .init(address: .hostname(host, port: port), serverName: "intercache"),
            services: [sync] + webhooks.services,
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) },
            eventLoopGroupProvider: .shared(MultiThreadedEventLoopGroup(numberOfThreads: ioThreads)),
            logger: logger
        )
    }
}
