import HTTPTypes
import IntercomAPI
import MirrorStore

/// The one error type of the read API: a stable `code` for programs, a `message` and optional `hint` for people.
/// Rendered as `{"error":{"status","code","message","hint"},"request_id"}`; nothing else reaches a client.
public struct APIError: Error, Sendable, Equatable {
    public let status: HTTPResponse.Status
    public let code: String
    public let message: String
    public let hint: String?

    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String, hint: String? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.hint = hint
    }

    /// The JSON body, with the request id that also goes out in `X-Request-Id`.
    func body(requestID: String) -> JSON {
        var error: [(String, JSON)] = [("status", .int(status.code)), ("code", .string(code)), ("message", .string(message))]
        if let hint { error.append(("hint", .string(hint))) }
        return .object([("error", .object(error)), ("request_id", .string(requestID))])
    }

    // MARK: - Named errors

    static func unknownFilter(_ name: String, candidates: [String]) -> APIError {
        APIError(.badRequest, "unknown_filter", "There is no filterable field named '\(name)'.", hint: suggestion(for: name, in: candidates))
    }

    static func unknownField(_ name: String, parameter: String, candidates: [String]) -> APIError {
        APIError(.badRequest, "unknown_field", "'\(name)' in \(parameter) is not a field of this list.",
                 hint: suggestion(for: name, in: candidates))
    }

    static func unknownOperator(_ op: String) -> APIError {
        APIError(.badRequest, "unknown_operator", "'\(op)' is not a filter operator.",
                 hint: suggestion(for: op, in: FilterOperator.allCases.map(\.rawValue)) ?? "use one of \(FilterOperator.allCases.map(\.rawValue).joined(separator: ", "))")
    }

    static func badValue(_ parameter: String, _ value: String, expected: String) -> APIError {
        APIError(.badRequest, "bad_value", "'\(value)' is not a valid value for \(parameter): expected \(expected).")
    }

    static func badNumber(_ parameter: String, _ value: String, range: String) -> APIError {
        APIError(.badRequest, "bad_number", "'\(value)' is not a valid \(parameter): expected an integer \(range).")
    }

    static let badCursor = APIError(.badRequest, "bad_cursor", "The cursor is not one this list handed out.",
                                    hint: "pass next_cursor back unchanged, with the same sort")

    static func notFound(_ what: String, _ id: String) -> APIError {
        APIError(.notFound, "not_found", "No \(what) with id '\(id)' in the mirror.")
    }

    static let routeNotFound = APIError(.notFound, "route_not_found", "No such route.", hint: "GET /openapi.yaml lists every route")
    static let methodNotAllowed = APIError(.methodNotAllowed, "method_not_allowed", "The read API only answers GET.")
    static let unauthorized = APIError(.unauthorized, "unauthorized", "A valid API key is required.",
                                       hint: "send Authorization: Bearer KEY with one of INTERCACHE_API_KEYS (a browser: any user name, the key as password)")
    public static let queryTimeout = APIError(.serviceUnavailable, "query_timeout", "The query ran past its time budget and was stopped.",
                                       hint: "narrow it with filters or a smaller limit")
    static func badSignature(_ message: String) -> APIError {
        APIError(.unauthorized, "bad_signature", message,
                 hint: "Intercom signs with the app's client secret: X-Hub-Signature: sha1=HMAC-SHA1(secret, raw body)")
    }

    static func payloadTooLarge(_ limit: Int) -> APIError {
        APIError(.contentTooLarge, "payload_too_large", "The body is larger than \(limit) bytes.")
    }

    static let databaseUnavailable = APIError(.serviceUnavailable, "database_unavailable", "The mirror's database did not answer.",
                                              hint: "retry shortly; the server reconnects by itself")
    static let notReady = APIError(.serviceUnavailable, "not_ready", "No sync has completed yet.")
    static let internalError = APIError(.internalServerError, "internal", "The server failed to answer; the request id is in the log.")

    /// The closest candidate by edit distance, when it is close enough to be a likely typo.
    static func suggestion(for name: String, in candidates: [String]) -> String? {
        let scored = candidates.map { ($0, editDistance(name.lowercased(), $0.lowercased())) }
        guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= max(2, name.count / 3) else { return nil }
        return "did you mean '\(best.0)'?"
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
