import IntercomAPI
import Hummingbird
import Logging

/// Builds the simulator's router: Intercom's paths behind Intercom's middleware, and the control surface beside them.
public func buildSimulatorRouter(workspace: Workspace) -> Router<BasicRequestContext> {
    let router = Router(context: BasicRequestContext.self)
    let api = router.group().add(middleware: IntercomMiddleware(workspace: workspace))
    IntercomRoutes(workspace: workspace).register(on: api)
    ControlRoutes(workspace: workspace).register(on: router)
    return router
}

/// Builds a runnable simulator application; `onServerRunning` receives the bound port.
public func buildSimulatorApplication(
    workspace: Workspace, host: String, port: Int, logger: Logger,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    Application(
        router: buildSimulatorRouter(workspace: workspace),
        configuration: .init(address: .hostname(host, port: port), serverName: "intercom-simulator"),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) },
        logger: logger
    )
}
