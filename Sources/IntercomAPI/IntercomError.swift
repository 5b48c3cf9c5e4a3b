/// Why Intercom would not serve an endpoint to this token: a permission the app lacks (401 `token_unauthorized`), a
/// feature the plan lacks (403), or an endpoint this workspace or API version does not have (404). Not a bad token.
public struct AccessProblem: Sendable, Equatable, CustomStringConvertible {
    /// Intercom's HTTP status: 401, 403 or 404.
    public var status: Int
    /// Intercom's error code, such as `token_unauthorized` or `api_plan_restricted`.
    public var code: String
    /// Intercom's error message.
    public var message: String
    /// The call that was refused, such as `GET /articles`.
    public var endpoint: String

    public init(status: Int, code: String, message: String, endpoint: String) {
        self.status = status
        self.code = code
        self.message = message
        self.endpoint = endpoint
    }

    public var description: String { "\(status) \(code): \(message) (\(endpoint))" }
}

/// Why an Intercom call failed for good, after the client's retries.
public enum IntercomError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 401 other than `token_unauthorized`: the token itself was rejected ("Access Token Invalid").
    case unauthorized(message: String)
    /// 401 `token_unauthorized` (the app lacks that permission) or any 403 (the plan lacks the feature).
    case denied(AccessProblem)
    /// 404: the object does not exist (deleted, archived, or never was), or the endpoint does not.
    case notFound(AccessProblem)
    /// 410 `contact_merged`: the contact now lives on under another id (from the `Link` header), if known.
    case merged(path: String, into: String?)
    /// Another 4xx that retrying cannot fix, with Intercom's error code.
    case rejected(status: Int, code: String, message: String)
    /// 5xx, 429, broken bodies or connection errors kept failing past the retry budget.
    case exhausted(attempts: Int, lastFailure: String)
    /// A scroll page failed; a scroll cannot be resumed, only restarted.
    case scrollBroken(reason: String)

    /// What a 401 `token_unauthorized`, a 403 or a 404 says; nil for every other failure.
    public var accessProblem: AccessProblem? {
        switch self {
        case let .denied(problem), let .notFound(problem): problem
        default: nil
        }
    }

    public var description: String {
        switch self {
        case let .unauthorized(message): "Intercom rejected the access token (401: \(message))"
        case let .denied(problem): "Intercom refused the call: \(problem)"
        case let .notFound(problem): "not found: \(problem.endpoint)"
        case let .merged(path, into): "\(path) was merged into \(into ?? "an unknown contact")"
        case let .rejected(status, code, message): "Intercom answered \(status) \(code): \(message)"
        case let .exhausted(attempts, lastFailure): "gave up after \(attempts) attempts; last failure: \(lastFailure)"
        case let .scrollBroken(reason): "the company scroll broke: \(reason)"
        }
    }
}
