import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// Talks to Intercom: auth and version headers, one shared rate-limit pacer, and retries with jittered backoff.
public final class IntercomClient: Sendable {
    public let configuration: IntercomConfiguration
    private let http: HTTPClient
    private let gate: PacerGate
    private let stats = StatsBox()
    private let logger: Logger

    /// Bodies larger than this are refused; a 500-part conversation is a few megabytes.
    static let maxBodyBytes = 64 * 1024 * 1024

    /// The process's HTTP client for Intercom. `HTTPClient.shared` keeps 8 connections per host, which capped a sync
    /// at 8 calls in flight whatever `--concurrency` said; the sync's concurrency (32 by default, per fan-out) needs as many.
    /// Static, so it lives as long as the process and never needs a shutdown.
    public static let pooledHTTPClient: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)
        configuration.decompression = .disabled
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    public init(configuration: IntercomConfiguration, httpClient: HTTPClient = IntercomClient.pooledHTTPClient, logger: Logger) {
        self.configuration = configuration
        self.http = httpClient
        self.gate = PacerGate(share: configuration.rateLimitShare)
        self.logger = logger
    }

    /// Traffic so far.
    public var statistics: IntercomStats { stats.snapshot }

    /// Sends a call, retrying what can be retried, and returns the parsed JSON body.
    public func send(_ request: IntercomRequest) async throws -> JSON {
        var attempt = 0
        while true {
            attempt += 1
            if attempt > 1 {
                stats.update { $0.retries += 1 }
                let ceiling = min(configuration.backoffMaxSeconds, configuration.backoffBaseSeconds * pow(2, Double(attempt - 2)))
                try await Task.sleep(for: .seconds(Double.random(in: ceiling / 2...ceiling)))
            }
            let outcome = try await attemptOnce(request)
            switch outcome {
            case let .success(body): return body
            case let .fatal(error): throw error
            case let .retry(reason):
                logger.debug("intercom call failed", metadata: ["path": "\(request.path)", "attempt": "\(attempt)", "reason": "\(reason)"])
                guard request.retryable else { throw IntercomError.scrollBroken(reason: reason) }
                guard attempt < configuration.maxAttempts else {
                    throw IntercomError.exhausted(attempts: attempt, lastFailure: reason)
                }
            }
        }
    }

    private enum Outcome {
        case success(JSON)
        case retry(String)
        case fatal(IntercomError)
    }

    private func attemptOnce(_ request: IntercomRequest) async throws -> Outcome {
        let waited = try await gate.acquire()
        stats.update { $0.calls += 1; $0.pacedSeconds += waited }
        var outgoing = HTTPClientRequest(url: configuration.baseURL + request.target)
        outgoing.method = request.method == .get ? .GET : .POST
        outgoing.headers.add(name: "Authorization", value: "Bearer \(configuration.token)")
        outgoing.headers.add(name: "Accept", value: "application/json")
        outgoing.headers.add(name: "Intercom-Version", value: configuration.version)
        if let body = request.body {
            outgoing.headers.add(name: "Content-Type", value: "application/json")
            outgoing.body = .bytes(ByteBuffer(bytes: body.encoded()))
        }
        let response: HTTPClientResponse
        let bytes: ByteBuffer
        do {
            response = try await http.execute(outgoing, timeout: .seconds(configuration.requestTimeoutSeconds))
            bytes = try await response.body.collect(upTo: Self.maxBodyBytes)
        } catch is CancellationError {
            await gate.cancelled()
            throw CancellationError()
        } catch {
            await gate.cancelled()
            if Task.isCancelled { throw CancellationError() }
            stats.update { $0.transportFailures += 1 }
            return .retry("transport: \(error)")
        }
        let status = Int(response.status.code)
        let limit = response.headers.first(name: "X-RateLimit-Limit").flatMap(Int.init)
        let remaining = response.headers.first(name: "X-RateLimit-Remaining").flatMap(Int.init)
        let reset = response.headers.first(name: "X-RateLimit-Reset").flatMap(Int.init)
        if status == 429 {
            stats.update { $0.rateLimited += 1 }
            await gate.rateLimited(reset: reset)
            return .retry("429 rate_limit_exceeded")
        }
        if let limit, let remaining, let reset {
            await gate.observe(limit: limit, remaining: remaining, reset: reset)
        } else {
            await gate.cancelled()
        }
        let parsed = try? JSON.parse(bytes.readableBytesView)
        switch status {
        case 200..<300:
            guard let parsed else { return .retry("\(status) with a body that is not JSON (truncated?)") }
            return .success(parsed)
        case 500...:
            return .retry("\(status) \(Self.errorCode(parsed) ?? "non-JSON body")")
        case 401, 403, 404:
            return .fatal(Self.refusal(status: status, body: parsed, request: request))
        case 410:
            return .fatal(.merged(path: request.path, into: Self.survivor(link: response.headers.first(name: "Link"))))
        default:
            if parsed == nil { return .retry("\(status) with a body that is not JSON") }
            return .fatal(.rejected(status: status, code: Self.errorCode(parsed) ?? "unknown", message: Self.errorMessage(parsed) ?? ""))
        }
    }

    /// A 401, 403 or 404 as the error it means. Only a 401 whose code is not `token_unauthorized` is a bad token: that
    /// code means the token is fine but the app lacks the permission for this endpoint.
    static func refusal(status: Int, body: JSON?, request: IntercomRequest) -> IntercomError {
        let fallback = status == 404 ? "not_found" : status == 403 ? "forbidden" : "unauthorized"
        let problem = AccessProblem(status: status, code: errorCode(body) ?? fallback, message: errorMessage(body) ?? "",
                                    endpoint: "\(request.method.rawValue) \(request.path)")
        switch status {
        case 404: return .notFound(problem)
        case 401 where problem.code != "token_unauthorized": return .unauthorized(message: problem.message.isEmpty ? problem.code : problem.message)
        default: return .denied(problem)
        }
    }

    static func errorCode(_ body: JSON?) -> String? { body?["errors"]?.arrayValue?.first?["code"]?.stringValue }
    static func errorMessage(_ body: JSON?) -> String? { body?["errors"]?.arrayValue?.first?["message"]?.stringValue }

    /// The surviving contact id from `Link: <https://api.intercom.io/contacts/ID>; rel="..."`.
    static func survivor(link: String?) -> String? {
        guard let link, let open = link.firstIndex(of: "<"), let close = link.firstIndex(of: ">"), open < close else { return nil }
        let url = link[link.index(after: open)..<close]
        return url.split(separator: "/").last.map(String.init)
    }
}
