import Hummingbird
import IntercomAPI
import Logging
import MirrorStore
import Prometheus

/// The composition root of the read API: the server, `demo` and the tests all build the router here.
public enum ReadAPI {
    /// The router with every route and middleware. Middleware order: metrics see every request; the API middleware
    /// renders every error (unknown routes included) and checks keys before the ETag check can answer 304.
    public static func buildRouter(store: MirrorDatabase, configuration: ReadAPIConfiguration = ReadAPIConfiguration(),
                                   registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) -> Router<BasicRequestContext> {
        let reader = MirrorReader(store: store, budget: configuration.queryBudget)
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: RequestMetricsMiddleware())
        router.add(middleware: APIMiddleware(apiKeys: configuration.apiKeys, webhooksEnabled: configuration.webhooks != nil))
        router.add(middleware: ConditionalGetMiddleware(reader: reader))
        let health = configuration.syncHealth
        let lists = ReadController<BasicRequestContext>(reader: reader, streamFailsAfterPages: configuration.streamFailsAfterPages,
                                                        defaultTimeZone: { health?.current.workspace?.timezone })
        let service = ServiceRoutes<BasicRequestContext>(reader: reader, registry: registry, openAPI: OpenAPIDocument.yaml,
                                                         inbox: configuration.webhooks?.inbox, health: configuration.syncHealth,
                                                         replica: configuration.replica)
        lists.addRoutes(to: router)
        service.addRoutes(to: router)
        // The page shares the controllers' memoised answers, so a number on it and its JSON route agree and cost one query.
        PageController(reader: reader, lists: lists, service: service, now: configuration.clock).addRoutes(to: router)
        WebhookRoutes(receiver: configuration.webhooks).addRoutes(to: router)
        return router
    }
}
