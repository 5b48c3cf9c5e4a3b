import Hummingbird
import Logging
import Metrics
import NIOPosix
import Prometheus
import ReadAPI
import ServiceLifecycle
import Sync

/// What `serve` runs, and `demo` after its first sync: the read API, the sync scheduler and (with a client secret) the
/// webhook worker, in one ServiceGroup. Both commands build it here, so the demo serves exactly what `serve` does.
struct ServeApplication {
    var engine: SyncEngine
    var options: SyncOptions
    var interval: Duration
    var fullInterval: Duration
    var host: String
    var port: Int
    var apiKeys: [String] = []
    /// `INTERCOM_CLIENT_SECRET`; nil or empty leaves `POST /webhooks/intercom` off (404).
    var webhookSecret: String?
    var ioThreads: Int
    var logger: Logger

    /// The application; `onServerRunning` receives the bound port. Metrics go to a Prometheus registry that
    /// `/metrics` serves (bootstrapped once per process).
    func build(onServerRunning: @escaping @Sendable (Int) async -> Void) -> some ApplicationProtocol {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let scheduler = SyncScheduler(engine: engine, options: options, interval: interval, fullInterval: fullInterval, logger: logger)
        let webhooks = WebhookSetup(secret: webhookSecret, engine: engine, logger: logger)
        let configuration = ReadAPIConfiguration(apiKeys: apiKeys, webhooks: webhooks.receiver, syncHealth: engine.health)
        let port = self.port
        return Application(
            router: ReadAPI.buildRouter(store: engine.store, configuration: configuration, registry: registry),
            server: ReadAPI.server(),
            configuration: .init(address: .hostname(host, port: port), serverName: "intercache"),
            services: [scheduler] + webhooks.services,
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) },
            eventLoopGroupProvider: .shared(MultiThreadedEventLoopGroup(numberOfThreads: ioThreads)),
            logger: logger
        )
    }
}
