import Dispatch
import HTTPTypes
import Hummingbird
import Metrics
import Synchronization

/// Hummingbird's `MetricsMiddleware`, with the same metrics and labels, recorded when the handler returns if the
/// response is one buffer. Hummingbird's records them after the body is written by wrapping every body in a closure,
/// and a closure body loses HummingbirdCore's single write of head, body and end: a point read then cost two `write`
/// syscalls and three hops to the event loop instead of one. Streamed bodies (CSV, NDJSON) are still timed to their
/// last byte.
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let cache = RequestMetricsCache()

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = DispatchTime.now().uptimeNanoseconds
        let active = cache.active(request.method)
        active.increment()
        do {
            var response = try await next(request, context)
            let metrics = cache.endpoint(.init(route: context.endpointPath ?? "Unknown", method: request.method, status: response.status))
            if response.body.contentLength == nil {
                let body = response.body
                response.body = ResponseBody { writer in
                    defer {
                        metrics.record(since: start)
                        active.decrement()
                    }
                    try await body.write(writer)
                }
            } else {
                metrics.record(since: start)
                active.decrement()
            }
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status ?? .internalServerError
            let metrics = cache.endpoint(.init(route: context.endpointPath ?? "NotFound", method: request.method, status: status))
            metrics.requests.increment()
            metrics.errors.increment()
            active.decrement()
            throw error
        }
    }
}

/// The metric objects per method and per (route, method, status), made once: making one asks the metrics factory,
/// which takes a lock and looks the name up.
final class RequestMetricsCache: Sendable {
    struct Key: Hashable {
        let route: String
        let method: HTTPRequest.Method
        let status: HTTPResponse.Status
    }

    struct Endpoint: Sendable {
        let requests: Counter
        let duration: Timer
        let errors: Counter

        init(_ key: Key) {
            let dimensions = [("http.route", key.route), ("http.request.method", key.method.rawValue),
                              ("http.response.status_code", String(key.status.code))]
            requests = Counter(label: "hb.requests", dimensions: dimensions)
            duration = Timer(label: "http.server.request.duration", dimensions: dimensions, preferredDisplayUnit: .seconds)
            errors = Counter(label: "hb.request.errors", dimensions: [("http.route", key.route), ("http.request.method", key.method.rawValue),
                                                                      ("error.type", String(key.status.code))])
        }

        func record(since start: UInt64) {
            requests.increment()
            duration.recordNanoseconds(DispatchTime.now().uptimeNanoseconds - start)
        }
    }

    private let endpoints = Mutex<[Key: Endpoint]>([:])
    private let methods = Mutex<[HTTPRequest.Method: Meter]>([:])

    func endpoint(_ key: Key) -> Endpoint { Self.cached(key, in: endpoints, make: Endpoint.init) }

    func active(_ method: HTTPRequest.Method) -> Meter {
        Self.cached(method, in: methods) { Meter(label: "http.server.active_requests", dimensions: [("http.request.method", $0.rawValue)]) }
    }

    /// The value under `key` in `cache`, made by `make` the first time.
    private static func cached<K: Hashable & Sendable, V: Sendable>(_ key: K, in cache: borrowing Mutex<[K: V]>, make: (K) -> V) -> V {
        cache.withLock { values in
            if let value = values[key] { return value }
            let value = make(key)
            values[key] = value
            return value
        }
    }
}
