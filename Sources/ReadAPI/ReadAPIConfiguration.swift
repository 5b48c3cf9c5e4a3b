import Foundation

/// What the read API needs beyond the mirror: its keys, and the query budget.
public struct ReadAPIConfiguration: Sendable {
    /// Keys accepted in `Authorization: Bearer KEY`; empty means no auth (refused on non-loopback addresses unless
    /// the operator says otherwise).
    public var apiKeys: [String]
    /// The time budget of one query.
    public var queryBudget: Duration

    public init(apiKeys: [String] = [], queryBudget: Duration = .seconds(1)) {
        self.apiKeys = apiKeys
        self.queryBudget = queryBudget
    }

    /// Parses `INTERCACHE_API_KEYS`: a comma list; blanks are ignored.
    public static func keys(from text: String?) -> [String] {
        (text ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}
