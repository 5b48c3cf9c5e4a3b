import Foundation
import MirrorStore

/// The resources a sync can mirror; `--resources` takes these names.
public enum SyncResource: String, CaseIterable, Sendable, Comparable {
    case admins, teams, tags, segments
    case dataAttributes = "data_attributes"
    case articles, companies, contacts, conversations
    case eventSummaries = "event_summaries"
    case ticketTypes = "ticket_types"
    case ticketStates = "ticket_states"
    case tickets

    /// Parses a comma list such as `contacts,conversations`; `all` or an empty list means every resource.
    public static func parseList(_ text: String) throws -> [SyncResource] {
        let names = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if names.isEmpty || names == ["all"] { return allCases }
        return try names.map { name in
            guard let resource = SyncResource(rawValue: name) else {
                throw SyncError.unknownResource(name, known: allCases.map(\.rawValue))
            }
            return resource
        }
    }

    /// The mirrored tables this resource's pass writes: its own, their child tables, and the lists it fetches per item.
    /// Its drift is counted over these.
    public var tables: Set<String> {
        var names: Set<String> = [rawValue]
        for (_, child) in Catalog.descendants(of: Catalog.table(rawValue)) { names.insert(child.name) }
        names.formUnion(Catalog.fetchedAlongside[rawValue] ?? [])
        return names
    }

    public static func < (lhs: SyncResource, rhs: SyncResource) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// Why a sync could not run or finish.
public enum SyncError: Error, CustomStringConvertible {
    case unknownResource(String, known: [String])
    /// Intercom answered 401 `unauthorized` ("Access Token Invalid"): the token is wrong, revoked, or of another region.
    case badCredentials(host: String, message: String)

    public var description: String {
        switch self {
        case let .unknownResource(name, known): "unknown resource '\(name)'; known resources: \(known.joined(separator: ", "))"
        case let .badCredentials(host, message):
            "Intercom at \(host) rejected the access token (401: \(message)). Check INTERCOM_ACCESS_TOKEN (or --token), "
                + "and --region (INTERCOM_REGION) if the workspace is not in the US."
        }
    }
}
