/// Why an Intercom call failed for good, after the client's retries.
public enum IntercomError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 401: the token was rejected.
    case unauthorized(message: String)
    /// 403: the token lacks a scope or the plan lacks a feature.
    case forbidden(code: String, message: String)
    /// 404: the object does not exist (deleted, archived, or never was).
    case notFound(path: String)
    /// 410 `contact_merged`: the contact now lives on under another id (from the `Link` header), if known.
    case merged(path: String, into: String?)
    /// Another 4xx that retrying cannot fix, with Intercom's error code.
    case rejected(status: Int, code: String, message: String)
    /// 5xx, 429, broken bodies or connection errors kept failing past the retry budget.
    case exhausted(attempts: Int, lastFailure: String)
    /// A scroll page failed; a scroll cannot be resumed, only restarted.
    case scrollBroken(reason: String)

    public var description: String {
        switch self {
        case let .unauthorized(message): "Intercom rejected the access token (401: \(message))"
        case let .forbidden(code, message): "Intercom refused the call (403 \(code): \(message))"
        case let .notFound(path): "not found: \(path)"
        case let .merged(path, into): "\(path) was merged into \(into ?? "an unknown contact")"
        case let .rejected(status, code, message): "Intercom answered \(status) \(code): \(message)"
        case let .exhausted(attempts, lastFailure): "gave up after \(attempts) attempts; last failure: \(lastFailure)"
        case let .scrollBroken(reason): "the company scroll broke: \(reason)"
        }
    }
}
