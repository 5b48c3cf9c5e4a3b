import Logging
import GRDB
import Foundation

/// The resources a sync can mirror; `--resources` takes these names.
public enum SyncResource: String, CaseIterable, Sendable, Comparable {
    case admins, teams, tags, segments
    case dataAttributes = "data_attributes"
    case articles, companies, contacts, conversations
    case eventSummaries = "event_summaries"

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

    public static func < (lhs: SyncResource, rhs: SyncResource) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// Why a sync could not run or finish.
public enum SyncError: Error, CustomStringConvertible {
    case unknownResource(String, known: [String])
    case failed(resource: String, underlying: String)

    public var description: String {
        switch self {
        case let .unknownResource(name, known): "unknown resource '\(name)'; known resources: \(known.joined(separator: ", "))"
        case let .failed(resource, underlying): "\(resource): \(underlying)"
        }
    }
}
