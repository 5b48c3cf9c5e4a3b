import ArgumentParser
import Foundation
import NIOCore
import ReadAPI

/// Where and how `serve` (and `demo`) answer the read API; each flag falls back to its environment variable.
struct APIFlags: ParsableArguments {
    @Option(help: "Address the read API listens on (env INTERCACHE_HOST; default 127.0.0.1).")
    var host: String?
    @Option(help: "Port of the read API (env INTERCACHE_PORT; default 8080; 0 picks a free one).")
    var port: Int?
    @Flag(help: "Serve a non-loopback address without INTERCACHE_API_KEYS (anyone who reaches it reads the mirror).")
    var allowUnauthenticated = false
    @Option(help: "Threads doing the server's socket I/O (default: half the cores, at least 1).")
    var ioThreads: Int?

    /// Half the cores for socket I/O leaves the other half to the handlers (Swift's cooperative pool) and SQLite's
    /// readers: on 2 cores, one I/O thread instead of two served 15-25% more point and join reads under 64 connections.
    var ioThreadCount: Int { ioThreads ?? max(1, System.coreCount / 2) }

    var hostValue: String { host ?? SyncFlags.environment["INTERCACHE_HOST"] ?? "127.0.0.1" }
    var portValue: Int { port ?? SyncFlags.environment["INTERCACHE_PORT"].flatMap(Int.init) ?? 8080 }
    var apiKeys: [String] { ReadAPIConfiguration.keys(from: SyncFlags.environment["INTERCACHE_API_KEYS"]) }

    static let loopback: Set<String> = ["127.0.0.1", "localhost", "::1", "[::1]"]

    func validate() throws {
        if let text = SyncFlags.environment["INTERCACHE_PORT"], port == nil, Int(text) == nil {
            throw ValidationError("INTERCACHE_PORT must be a port number, got '\(text)'")
        }
        guard (0...65535).contains(portValue) else { throw ValidationError("--port must be between 0 and 65535") }
        if let ioThreads, !(1...256).contains(ioThreads) { throw ValidationError("--io-threads must be between 1 and 256") }
        if apiKeys.isEmpty, !Self.loopback.contains(hostValue), !allowUnauthenticated {
            throw ValidationError("""
                refusing to serve \(hostValue) without API keys: set INTERCACHE_API_KEYS (comma list), \
                or pass --allow-unauthenticated to serve the mirror to anyone who can reach it
                """)
        }
    }
}
