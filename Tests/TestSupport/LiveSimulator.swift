import Foundation
import Hummingbird
import HummingbirdTesting
import IntercomAPI
import IntercomSimulator
import Logging

/// A simulator serving on an ephemeral loopback port, for the length of a test.
public struct LiveSimulator: Sendable {
    /// `http://127.0.0.1:PORT`.
    public let base: String
    public let workspace: Workspace
}

/// A logger that keeps tests' output to what matters.
public func testLogger(_ label: String, level: Logger.Level = .critical) -> Logger {
    var logger = Logger(label: label)
    logger.logLevel = level
    return logger
}

/// Runs `body` with a live simulator of `options`: the one way every test suite boots one.
public func withLiveSimulator<T: Sendable>(_ options: SimulatorOptions, logLevel: Logger.Level = .critical,
                                           _ body: @Sendable (LiveSimulator) async throws -> T) async throws -> T {
    let workspace = Workspace(options: options)
    let app = buildSimulatorApplication(workspace: workspace, host: "127.0.0.1", port: 0, logger: testLogger("simulator-test", level: logLevel))
    return try await app.test(.live) { client in
        try await body(LiveSimulator(base: "http://127.0.0.1:\(client.port!)", workspace: workspace))
    }
}

/// A path for a scratch mirror in the temporary directory; the caller removes it (`MirrorDatabase.removeFiles`).
public func scratchMirrorPath(_ prefix: String = "intercache-test") -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString).sqlite").path
}
