import Foundation
import IntercomAPI
import Synchronization

/// How a real workspace can refuse an endpoint to one app's token (`../shared/INTERCOM-TRAPS.md`, "Access differs per
/// app, plan and region"): the simulator reproduces each per scope, from `--deny` or `/_simulator/config`'s `deny`.
public enum Denial: String, Sendable, CaseIterable {
    /// 401 `token_unauthorized`: the app was not granted that permission.
    case tokenUnauthorized = "401"
    /// 403 `api_plan_restricted`: the workspace's plan lacks the feature.
    case planRestricted = "403"
    /// 403 `forbidden`.
    case forbidden = "403-forbidden"
    /// 404: this workspace or API version has no such endpoint.
    case removed = "404"
    /// 500 `server_error` on every call: the endpoint is down (an outage, not a refusal), so the client's retries run
    /// out and the resource fails.
    case down = "500"

    /// Parses `401`, `403`, `403-forbidden`, `404`, `removed` or `500`.
    public init?(text: String) {
        if text == "removed" { self = .removed } else { self.init(rawValue: text) }
    }

    /// The error Intercom answers with.
    var error: SimulatorError {
        switch self {
        case .tokenUnauthorized: SimulatorError(status: 401, code: "token_unauthorized", message: "Not authorized to access resource")
        case .planRestricted: SimulatorError(status: 403, code: "api_plan_restricted", message: "Active subscription needed.")
        case .forbidden: SimulatorError(status: 403, code: "forbidden", message: "You do not have permission to access this resource")
        case .removed: SimulatorError(status: 404, code: "not_found", message: "Resource Not Found")
        case .down: SimulatorError(status: 500, code: "server_error", message: "Request failed due to an internal network error.")
        }
    }
}

/// The scopes a denial names, each a group of endpoints as one permission or feature covers them.
public enum AccessScopeName {
    /// Every scope `--deny` accepts.
    public static let all = ["admins", "teams", "tags", "segments", "data_attributes", "articles", "companies", "contacts",
                             "contacts_search", "contact_notes", "contact_tags", "contact_companies", "contact_segments",
                             "events", "conversations", "conversations_search", "conversations_deleted", "tickets", "ticket_types",
                             "ticket_states"]

    /// The scope of a call; nil for `/me`, which every valid token may read.
    static func of(method: String, path: String) -> String? {
        let parts = path.split(separator: "/").map(String.init)
        guard let first = parts.first, first != "me" else { return nil }
        switch first {
        case "contacts":
            if parts.count == 2, parts[1] == "search" { return "contacts_search" }
            if parts.count == 3 {
                switch parts[2] {
                case "notes": return "contact_notes"
                case "tags": return "contact_tags"
                case "companies": return "contact_companies"
                case "segments": return "contact_segments"
                default: break
                }
            }
            return "contacts"
        case "conversations":
            if parts.count == 2, parts[1] == "search" { return "conversations_search" }
            if parts.count == 2, parts[1] == "deleted" { return "conversations_deleted" }
            return "conversations"
        default: return first
        }
    }

    /// Parses `scope=denial,scope=denial`, such as `articles=404,conversations=403,contact_notes=401`.
    public static func parse(_ text: String) throws(SimulatorError) -> [String: Denial] {
        var denials: [String: Denial] = [:]
        for entry in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !entry.isEmpty {
            let pair = entry.split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2, all.contains(pair[0]), let denial = Denial(text: pair[1]) else {
                throw .badRequest("deny entries are scope=401|403|403-forbidden|404|removed|500 with a scope among \(all.joined(separator: ", ")); got '\(entry)'")
            }
            denials[pair[0]] = denial
        }
        return denials
    }
}

extension Workspace {
    /// The refusal a call meets, if its scope is denied. A denial of `contacts` or `conversations` covers their search,
    /// sub-resources and feeds too, as one permission does; a narrower scope refuses only its own endpoints.
    func denial(method: String, path: String) -> Denial? {
        guard let scope = AccessScopeName.of(method: method, path: path) else { return nil }
        let base = scope.hasPrefix("contact") ? "contacts" : scope.hasPrefix("conversations") ? "conversations" : scope
        return runtime.withLock { $0.denials[scope] ?? $0.denials[base] }
    }

    /// The drift applied to responses now; nil when none is.
    var driftSettings: DriftSettings? {
        runtime.withLock { r in r.drift.share > 0 ? r.drift : nil }
    }
}
