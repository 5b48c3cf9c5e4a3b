import IntercomAPI
import AsyncHTTPClient
import Hummingbird
import HummingbirdTesting
import IntercomSimulator
import Logging
import NIOCore
import NIOHTTP1
import TestSupport

/// One response from the simulator, read whole.
struct SimResponse {
    var status: Int
    var headers: HTTPHeaders
    var body: [UInt8]

    func json() throws -> JSON { try JSON.parse(body) }
    func header(_ name: String) -> String? { headers.first(name: name) }
}

/// A loopback client for a running simulator, as a real Intercom client would call it.
struct SimClient {
    let base: String
    var token = "simulator-token"

    func request(_ method: HTTPMethod, _ path: String, body: JSON? = nil, token: String?? = nil,
                 timeout: TimeAmount = .seconds(30)) async throws -> SimResponse {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "Intercom-Version", value: "2.16")
        if let bearer = token ?? self.token { request.headers.add(name: "Authorization", value: "Bearer \(bearer)") }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body.encoded()))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: timeout)
        let bytes = try await response.body.collect(upTo: 64 << 20)
        return SimResponse(status: Int(response.status.code), headers: response.headers, body: Array(bytes.readableBytesView))
    }

    func get(_ path: String, token: String?? = nil) async throws -> SimResponse { try await request(.GET, path, token: token) }
    func post(_ path: String, _ body: JSON) async throws -> SimResponse { try await request(.POST, path, body: body) }

    /// A control-surface call; fails the test on a non-2xx answer.
    @discardableResult
    func control(_ method: HTTPMethod, _ path: String, _ body: JSON? = nil) async throws -> JSON {
        let response = try await request(method, "/_simulator" + path, body: body, token: .some(nil))
        guard (200..<300).contains(response.status) else {
            throw HarnessError("control \(path) answered \(response.status): \(String(decoding: response.body, as: UTF8.self))")
        }
        return try response.json()
    }

    func truth() async throws -> JSON { try await control(.GET, "/truth") }
}

struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Small workspace defaults so each test seeds in milliseconds.
func smallOptions(seed: UInt64 = 11) -> SimulatorOptions {
    var options = SimulatorOptions()
    options.seed = seed
    options.contacts = 400
    options.companies = 60
    options.conversations = 200
    options.partsPerConversation = 4
    return options
}

/// Runs `body` against a live simulator on an ephemeral loopback port.
func withSimulator<T: Sendable>(
    _ options: SimulatorOptions = smallOptions(),
    _ body: @Sendable (SimClient, Workspace) async throws -> T
) async throws -> T {
    try await withLiveSimulator(options, logLevel: .warning) { simulator in
        try await body(SimClient(base: simulator.base), simulator.workspace)
    }
}

extension JSON {
    /// Member access that fails a test with a clear message instead of crashing.
    func require(_ path: String) throws -> JSON {
        var value: JSON = self
        for key in path.split(separator: ".") {
            guard let next = value[String(key)] else { throw HarnessError("missing \(path) in \(text.prefix(300))") }
            value = next
        }
        return value
    }

    var objectKeys: [String] {
        if case let .object(members) = self { return members.map(\.0) }
        return []
    }
}
