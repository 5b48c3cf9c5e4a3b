import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A TCP proxy on loopback in front of another local port, for tests of a database server that goes away while a
/// process holds connections to it (the shared test server itself cannot be stopped). `cut()` closes every connection
/// and refuses new ones, as a server killed at once (`pg_ctl -m immediate`) does.
public final class TCPProxy: @unchecked Sendable {
    /// The port the proxy listens on.
    public let port: Int
    private let upstream: Int
    private let listener: Int32
    private let lock = NSLock()
    private var sockets: Set<Int32> = []
    private var isCut = false

    public init(to upstream: Int) throws {
        self.upstream = upstream
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw ProxyError("socket: \(errno)") }
        var address = Self.loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(listener, 64) == 0 else { throw ProxyError("bind or listen: \(errno)") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        self.listener = listener
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    /// Closes every connection through the proxy and stops taking new ones.
    /// Each connection's sockets are closed by the last of its two pumps to stop, so no pump reads a number reused.
    public func cut() {
        let open = lock.withLock {
            isCut = true
            return sockets
        }
        shutdown(listener, Int32(SHUT_RDWR))
        for socket in open { shutdown(socket, Int32(SHUT_RDWR)) }
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            guard client >= 0 else { return }  // closed by `cut`
            let server = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = Self.loopback(port: upstream)
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(server, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            let kept = lock.withLock {
                guard !isCut, connected == 0 else { return false }
                sockets.formUnion([client, server])
                return true
            }
            guard kept else {
                close(client)
                close(server)
                continue
            }
            let pumping = Pumping()
            let finished: @Sendable () -> Void = { [self] in
                let last = lock.withLock {
                    pumping.count -= 1
                    guard pumping.count == 0 else { return false }
                    sockets.subtract([client, server])
                    return true
                }
                if last { close(client); close(server) }
            }
            Thread.detachNewThread { [self] in pump(from: client, to: server); finished() }
            Thread.detachNewThread { [self] in pump(from: server, to: client); finished() }
        }
        close(listener)
    }

    /// Copies bytes one way until either side closes.
    private func pump(from source: Int32, to destination: Int32) {
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = read(source, &buffer, buffer.count)
            guard count > 0 else { break }
            var sent = 0
            while sent < count {
                let written = buffer[sent..<count].withUnsafeBytes { write(destination, $0.baseAddress, count - sent) }
                guard written > 0 else { return }
                sent += written
            }
        }
        shutdown(destination, Int32(SHUT_WR))
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }
}

/// The pumps of one connection still running (changed under the proxy's lock).
private final class Pumping: @unchecked Sendable {
    var count = 2
}

/// The proxy could not listen.
public struct ProxyError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
