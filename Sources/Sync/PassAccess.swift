import IntercomAPI
import Logging
import Synchronization

/// The sub-resources and optional feeds a resource's pass calls on the side. Each may be refused on its own (a token
/// without the notes permission, a workspace without `/conversations/deleted`) without taking its parent down.
public enum AccessScope: String, CaseIterable, Sendable, Comparable {
    /// `GET /contacts/{id}/notes`.
    case notes
    /// `GET /contacts/{id}/tags`, for contacts with more than 10 tags.
    case contactTags = "contact_tags"
    /// `GET /contacts/{id}/companies`, for contacts with more than 10 companies.
    case contactCompanies = "contact_companies"
    /// Segment membership, from a contact search on `segment_id`.
    case contactSegments = "contact_segments"
    /// `GET /events?summary=true`, when a contact sweep fetches its users' summaries page by page.
    case eventSummaries = "event_summaries"
    /// `GET /conversations/deleted`; without it deletions are found by full sweeps only.
    case conversationsDeleted = "conversations_deleted"

    /// The resource whose pass makes these calls.
    public var parent: SyncResource {
        switch self {
        case .notes, .contactTags, .contactCompanies, .eventSummaries: .contacts
        case .contactSegments: .segments
        case .conversationsDeleted: .conversations
        }
    }

    /// The scope of a contact child table that has a full-list sub-resource.
    static func forChild(_ table: String) -> AccessScope? { AccessScope(rawValue: table) }

    public static func < (lhs: AccessScope, rhs: AccessScope) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Per pass, what each scope's calls answered. A 401 `token_unauthorized` or a 403 makes the scope unavailable at once,
/// and it is not called again this pass. A 404 is ambiguous (the contact may be gone since it was listed, or the
/// endpoint may not exist): the scope is unavailable when it answered 404 and never succeeded, and after
/// `notFoundLimit` such 404s in a row it is not called again this pass. The next pass tries every scope again.
final class PassAccess: Sendable {
    struct State {
        var refused: AccessProblem?
        var notFound: AccessProblem?
        var notFoundWithoutSuccess = 0
        var successes = 0
        var warned = false
    }

    /// 404s, with no success yet, after which a scope counts as missing for the rest of the pass: a few contacts
    /// deleted since they were listed do not reach it before a working endpoint answers once.
    static let notFoundLimit = 5

    private let states = Mutex<[AccessScope: State]>([:])
    private let logger: Logger

    init(logger: Logger) { self.logger = logger }

    /// Whether calls to `scope` are still made this pass.
    func allows(_ scope: AccessScope) -> Bool {
        states.withLock { all in
            guard let state = all[scope] else { return true }
            return state.refused == nil && (state.successes > 0 || state.notFoundWithoutSuccess < Self.notFoundLimit)
        }
    }

    func succeeded(_ scope: AccessScope) {
        states.withLock { $0[scope, default: State()].successes += 1 }
    }

    /// Notes a refusal (401 `token_unauthorized`, 403 or 404) of a call to `scope`; warns once per pass when it makes
    /// the scope unavailable.
    func refused(_ scope: AccessScope, _ problem: AccessProblem) {
        let warn: AccessProblem? = states.withLock { all in
            var state = all[scope] ?? State()
            defer { all[scope] = state }
            if problem.status == 404 {
                state.notFound = state.notFound ?? problem
                if state.successes == 0 { state.notFoundWithoutSuccess += 1 }
                guard state.successes == 0, state.notFoundWithoutSuccess >= Self.notFoundLimit, !state.warned else { return nil }
            } else {
                state.refused = state.refused ?? problem
                guard !state.warned else { return nil }
            }
            state.warned = true
            return problem
        }
        if let warn { Self.warn(logger, scope, warn) }
    }

    /// What this pass learned of `scope`: nil when it made no call, else the problem that makes it unavailable, if any.
    func outcome(_ scope: AccessScope) -> (touched: Bool, problem: AccessProblem?) {
        let (state, warn): (State?, AccessProblem?) = states.withLock { all in
            guard var state = all[scope] else { return (nil, nil) }
            let problem = state.refused ?? (state.successes == 0 ? state.notFound : nil)
            let warn = problem != nil && !state.warned ? problem : nil
            if warn != nil { state.warned = true; all[scope] = state }
            return (state, warn)
        }
        guard let state else { return (false, nil) }
        if let warn { Self.warn(logger, scope, warn) }
        return (true, state.refused ?? (state.successes == 0 ? state.notFound : nil))
    }

    static func warn(_ logger: Logger, _ scope: AccessScope, _ problem: AccessProblem) {
        logger.warning("sub-resource unavailable; its parent syncs without it", metadata: [
            "scope": "\(scope.rawValue)", "resource": "\(scope.parent.rawValue)", "status": "\(problem.status)",
            "code": "\(problem.code)", "message": "\(problem.message)", "endpoint": "\(problem.endpoint)",
        ])
    }
}

extension SyncEngine {
    /// Runs one call of `scope`; a refusal (see `PassAccess`) is noted and answers nil, as does a scope already known
    /// to be unavailable this pass. Every other error is thrown.
    func sideCall<T: Sendable>(_ scope: AccessScope, _ access: PassAccess, _ call: () async throws -> T) async throws -> T? {
        guard access.allows(scope) else { return nil }
        do {
            let value = try await call()
            access.succeeded(scope)
            return value
        } catch let error as IntercomError {
            guard let problem = error.accessProblem else { throw error }
            access.refused(scope, problem)
            return nil
        }
    }
}

extension AccessProblem {
    /// The error Intercom's refusal is, to end a resource's pass as `unavailable`.
    var error: IntercomError { status == 404 ? .notFound(self) : .denied(self) }
}
