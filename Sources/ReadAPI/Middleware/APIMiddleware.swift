import Foundation
import HTTPTypes
import Hummingbird
import IntercomAPI
import Logging
import MirrorStore
import Synchronization

/// The request id, API-key check and error rendering of every route: whatever a handler throws leaves as the
/// JSON error envelope, and nothing of Hummingbird's default error body or of an internal error leaks.
struct APIMiddleware<Context: RequestContext>: RouterMiddleware {
    let apiKeys: [[UInt8]]
    /// Whether `POST /webhooks/intercom` is on (a client secret is configured).
    let webhooksEnabled: Bool
    /// Paths that stay open with keys set: probes and the contract.
    static var openPaths: Set<String> { ["/healthz", "/readyz", "/openapi.yaml"] }

    init(apiKeys: [String], webhooksEnabled: Bool = false) {
        self.apiKeys = apiKeys.map { Array($0.utf8) }
        self.webhooksEnabled = webhooksEnabled
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let requestID = RequestID.next()
        // Every log line of the request (a streamed export failing after its 200 included) names the id the client got.
        var context = context
        context.logger[metadataKey: "request_id"] = "\(requestID)"
        var response: Response
        // The webhook route is authenticated by Intercom's signature, not by API keys (Intercom cannot send one).
        let webhook = request.uri.path == WebhookRoutes<Context>.path
        do {
            if webhook {
                guard webhooksEnabled else { throw APIError.routeNotFound }
                guard request.method == .post else { throw APIError.methodNotAllowed }
            } else {
                guard request.method == .get || request.method == .head else { throw APIError.methodNotAllowed }
                try authorize(request)
            }
            response = try await next(request, context)
        } catch {
            let apiError = Self.apiError(error)
            if apiError.status == .internalServerError {
                context.logger.error("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(String(reflecting: error))"])
            }
            response = .json(apiError.body(requestID: requestID), status: apiError.status)
            if apiError.status == .unauthorized {
                // Two challenges: API clients send Bearer; a browser prompts for Basic and sends the key as the password.
                response.headers.append(HTTPField(name: .wwwAuthenticate, value: "Bearer realm=\"intercache\""))
                response.headers.append(HTTPField(name: .wwwAuthenticate, value: "Basic realm=\"intercache\", charset=\"UTF-8\""))
            }
            if apiError.status == .methodNotAllowed { response.headers[.allow] = webhook ? "POST" : "GET, HEAD" }
        }
        response.headers[.requestID] = requestID
        return response
    }

    func authorize(_ request: Request) throws {
        guard !apiKeys.isEmpty, !Self.openPaths.contains(request.uri.path) else { return }
        guard let header = request.headers[.authorization], let presented = Self.presentedKey(header) else { throw APIError.unauthorized }
        // Compare against every key, in time that does not depend on where the bytes differ.
        var matched = false
        for key in apiKeys where Self.constantTimeEqual(key, presented) { matched = true }
        guard matched else { throw APIError.unauthorized }
    }

    /// The key in `Authorization`: `Bearer KEY`, or `Basic base64(user:KEY)` with any user name, which is how a browser
    /// sends the key it was asked for by the page's challenge. Scheme names are case-insensitive (RFC 9110).
    static func presentedKey(_ header: String) -> [UInt8]? {
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2 else { return nil }
        let credentials = parts[1].trimmingCharacters(in: .whitespaces)
        switch parts[0].lowercased() {
        case "bearer": return Array(credentials.utf8)
        case "basic":
            guard let decoded = Data(base64Encoded: credentials), let colon = decoded.firstIndex(of: UInt8(ascii: ":")) else { return nil }
            return Array(decoded[decoded.index(after: colon)...])
        default: return nil
        }
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: a.count ^ b.count)
        for i in 0..<max(a.count, b.count) {
            difference |= (i < a.count ? a[i] : 0) ^ (i < b.count ? b[i] : 0)
        }
        return difference == 0
    }

    static func apiError(_ error: any Error) -> APIError {
        switch error {
        case let error as APIError: return error
        case let error as HTTPError:
            switch error.status {
            case .notFound: return .routeNotFound
            case .methodNotAllowed: return .methodNotAllowed
            default: return APIError(error.status, "http_error", error.body ?? error.status.reasonPhrase)
            }
        case let error as ReadError:
            switch error {
            case .queryTimeout: return .queryTimeout
            case let .notFound(singular, id): return .notFound(singular, id)
            case .databaseUnavailable: return .databaseUnavailable
            }
        case is CancellationError: return .queryTimeout
        // Reads outside `MirrorReader.timed` (the generation, the page's window) meet an outage the same way.
        case let error as PostgresStoreError where error.isTimeout: return .queryTimeout
        case let error as PostgresStoreError where error.isUnavailable: return .databaseUnavailable
        default: return .internalError
        }
    }
}

/// 16 hex digits, unique within the process and distinct across restarts: a counter from a random start, mixed by
/// splitmix64 (a bijection, so no two requests share an id). A random draw per request cost a `getrandom` call.
enum RequestID {
    private static let start = UInt64.random(in: .min ... .max)
    private static let counter = Atomic<UInt64>(0)

    static func next() -> String {
        var z = start &+ counter.wrappingAdd(1, ordering: .relaxed).oldValue &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        let hex = String(z, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}

/// ETag and Last-Modified from the mirror's write generation: a dashboard polling an unchanged list gets 304 and
/// no query runs. Probes, metrics and `/sync` (whose lag changes with the clock) are never cached.
struct ConditionalGetMiddleware<Context: RequestContext>: RouterMiddleware {
    let reader: MirrorReader
    static func uncached(_ path: String) -> Bool {
        switch path {
        // The page and its assets carry their own tags, hashes of their bytes (the page shows lag, which moves without a write).
        case "/healthz", "/readyz", "/metrics", "/sync", "/": true
        default: path.hasPrefix("/assets/")
        }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .get, !Self.uncached(request.uri.path) else { return try await next(request, context) }
        let fingerprint = Self.fingerprint(request)
        // A conditional request checks the generation before any query runs; others learn it from the handler's read.
        if let match = request.headers[.ifNoneMatch] {
            let current = try await reader.generation()
            let tag = Self.tag(current, fingerprint)
            if EntityTag.matches(match, tag) {
                return Response(status: .notModified, headers: [.eTag: tag, .lastModified: HTTPDate.format(current.changedAt)])
            }
        }
        let box = GenerationBox()
        var response = try await RequestGeneration.$box.withValue(box) { try await next(request, context) }
        if response.status == .ok {
            let seen: MirrorGeneration
            if let generation = box.generation { seen = generation } else { seen = try await reader.generation() }
            response.headers[.eTag] = Self.tag(seen, fingerprint)
            response.headers[.lastModified] = HTTPDate.format(seen.changedAt)
            response.headers[.cacheControl] = "no-cache"
        }
        return response
    }

    static func tag(_ generation: MirrorGeneration, _ fingerprint: String) -> String { "\"g\(generation.generation)-\(fingerprint)\"" }

    /// FNV-1a of the URI and the representation headers, so two URLs never share a tag.
    static func fingerprint(_ request: Request) -> String {
        FNV1a.hex(request.uri.description + "|" + (request.headers[.accept] ?? ""))
    }
}

/// Entity-tag comparison for `If-None-Match`: the weak comparison RFC 9110 prescribes for GET, and `*`.
enum EntityTag {
    /// Whether the header's comma list names `tag` (strong or `W/`) or is `*`.
    static func matches(_ ifNoneMatch: String, _ tag: String) -> Bool {
        ifNoneMatch.split(separator: ",").contains { candidate in
            let t = candidate.trimmingCharacters(in: .whitespaces)
            return t == tag || t == "W/" + tag || t == "*"
        }
    }
}

extension HTTPField.Name {
    static let requestID = HTTPField.Name("X-Request-Id")!
}

/// HTTP dates for Last-Modified.
public enum HTTPDate {
    /// The IMF-fixdate of `seconds`, formatted by hand: a DateFormatter per request cost a tenth of a point read.
    public static func format(_ seconds: Int) -> String {
        let days = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]  // 1970-01-01 was a Thursday
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let day = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let time = seconds - day * 86_400
        // Civil date from days since the epoch (Howard Hinnant's algorithm).
        let z = day + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let dayOfMonth = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let weekday = days[((day % 7) + 7) % 7]
        return "\(weekday), \(two(dayOfMonth)) \(months[month - 1]) \(year) \(two(time / 3600)):\(two(time / 60 % 60)):\(two(time % 60)) GMT"
    }
}
