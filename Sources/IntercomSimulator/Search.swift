import IntercomAPI
import Foundation

/// A client mistake Intercom answers with an `error.list`.
public struct SimulatorError: Error, Sendable {
    public var status: Int
    public var code: String
    public var message: String
    public var headers: [(String, String)] = []

    static func badRequest(_ message: String, code: String = "parameter_invalid") -> SimulatorError {
        SimulatorError(status: 400, code: code, message: message)
    }
    static func notFound(_ message: String = "Resource Not Found") -> SimulatorError {
        SimulatorError(status: 404, code: "not_found", message: message)
    }
}

/// A parsed search query: Intercom's `{field, operator, value}` or `{operator: AND|OR, value: [...]}`.
indirect enum SearchQuery {
    case filter(field: String, op: String, value: JSON)
    case group(and: Bool, [SearchQuery])

    /// Intercom allows two levels of nesting and 15 filters per group.
    static let maxDepth = 2
    static let maxFiltersPerGroup = 15
    static let operators: Set<String> = ["=", "!=", "IN", "NIN", ">", "<", "~", "!~", "^", "$"]

    static func parse(_ json: JSON, depth: Int = 0) throws(SimulatorError) -> SearchQuery {
        guard case .object = json, let op = json["operator"]?.stringValue else {
            throw .badRequest("query must be an object with an operator")
        }
        if op == "AND" || op == "OR" {
            guard depth < maxDepth else { throw .badRequest("query nesting is limited to \(maxDepth) levels") }
            guard let items = json["value"]?.arrayValue, !items.isEmpty else { throw .badRequest("\(op) needs a non-empty value array") }
            guard items.count <= maxFiltersPerGroup else { throw .badRequest("at most \(maxFiltersPerGroup) filters per group") }
            var parsed: [SearchQuery] = []
            for item in items { parsed.append(try parse(item, depth: depth + 1)) }
            return .group(and: op == "AND", parsed)
        }
        guard operators.contains(op) else { throw .badRequest("unknown operator \(op)") }
        guard let field = json["field"]?.stringValue else { throw .badRequest("filter needs a field") }
        return .filter(field: field, op: op, value: json["value"] ?? .null)
    }
}

/// A searchable value of a record's field.
enum FieldValue {
    case int(Int?)
    case string(String?)
    case strings([String])
    case bool(Bool)
}

/// Evaluates search queries against records; dates follow Intercom's per-model rules.
struct SearchEvaluator {
    /// Contacts compare dates by whole days in the workspace timezone; conversations by the second, inclusively.
    var dayGranular: Bool
    var dateFields: Set<String>
    var timezone: TimeZone

    /// Start of the day containing `t` in the workspace timezone.
    func dayStart(_ t: Int) -> Int {
        let offset = timezone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(t)))
        let local = t + offset
        let start = local - ((local % 86_400) + 86_400) % 86_400
        return start - offset
    }

    /// The next midnight after the day containing `t`, DST included.
    func nextDayStart(_ t: Int) -> Int { dayStart(dayStart(t) + 86_400 + 7_200) }

    /// Checks date operators before any record is read: contact search rejects `>=`-style operators on dates.
    func validate(_ query: SearchQuery) throws(SimulatorError) {
        switch query {
        case let .group(_, items): for item in items { try validate(item) }
        case let .filter(field, op, value):
            if dateFields.contains(field) {
                if dayGranular, !["=", ">", "<"].contains(op) {
                    throw .badRequest("operator \(op) is not supported for date field \(field)", code: "invalid_field")
                }
                if value.intValue == nil { throw .badRequest("value for \(field) must be a unix timestamp") }
            }
        }
    }

    func matches(_ query: SearchQuery, _ lookup: (String) -> FieldValue) -> Bool {
        switch query {
        case let .group(and, items):
            return and ? items.allSatisfy { matches($0, lookup) } : items.contains { matches($0, lookup) }
        case let .filter(field, op, value):
            return compare(lookup(field), op: op, value: value, isDate: dateFields.contains(field))
        }
    }

    func compare(_ actual: FieldValue, op: String, value: JSON, isDate: Bool) -> Bool {
        switch actual {
        case let .int(number):
            guard let number else { return op == "!=" || op == "NIN" ? value != .null : value == .null && op == "=" }
            if isDate, let target = value.intValue {
                if dayGranular {
                    switch op {
                    case ">": return number >= nextDayStart(target)
                    case "<": return number < dayStart(target)
                    default: return number >= dayStart(target) && number < nextDayStart(target)
                    }
                }
                switch op {
                case ">": return number >= target
                case "<": return number <= target
                case "!=": return number != target
                default: return number == target
                }
            }
            let targets = (value.arrayValue ?? [value]).compactMap(\.intValue)
            switch op {
            case "=": return targets.first == number
            case "!=": return targets.first != number
            case ">": return targets.first.map { number > $0 } ?? false
            case "<": return targets.first.map { number < $0 } ?? false
            case "IN": return targets.contains(number)
            case "NIN": return !targets.contains(number)
            default: return false
            }
        case let .bool(flag):
            let target: Bool? = if case let .bool(b) = value { b } else { value.stringValue.map { $0 == "true" } }
            return op == "!=" ? flag != target : flag == target
        case let .string(text):
            return compareString(text, op: op, value: value)
        case let .strings(list):
            let targets = (value.arrayValue ?? [value]).compactMap { $0.stringValue ?? $0.intValue.map(String.init) }
            switch op {
            case "=", "IN": return list.contains { targets.contains($0) }
            case "!=", "NIN": return !list.contains { targets.contains($0) }
            default: return false
            }
        }
    }

    func compareString(_ text: String?, op: String, value: JSON) -> Bool {
        if value == .null { return op == "!=" ? text != nil : text == nil }
        let targets = (value.arrayValue ?? [value]).compactMap { $0.stringValue ?? $0.intValue.map(String.init) }
        guard let target = targets.first else { return false }
        guard let text else { return op == "!=" || op == "NIN" || op == "!~" }
        switch op {
        case "=": return text == target
        case "!=": return text != target
        case "IN": return targets.contains(text)
        case "NIN": return !targets.contains(text)
        case "~": return text.localizedCaseInsensitiveContains(target)
        case "!~": return !text.localizedCaseInsensitiveContains(target)
        case "^": return text.lowercased().hasPrefix(target.lowercased())
        case "$": return text.lowercased().hasSuffix(target.lowercased())
        case ">": return text > target
        case "<": return text < target
        default: return false
        }
    }
}

extension SimContact {
    static let dateFields: Set<String> = ["created_at", "updated_at", "signed_up_at", "last_seen_at",
                                          "last_replied_at", "last_contacted_at", "last_email_opened_at"]

    func searchValue(_ field: String) -> FieldValue {
        switch field {
        case "id": .string(id)
        case "external_id": .string(externalId)
        case "role": .string(role)
        case "email": .string(email)
        case "email_domain": .string(email.flatMap { $0.split(separator: "@").last.map(String.init) })
        case "name": .string(name)
        case "phone": .string(phone)
        case "owner_id": .int(ownerId.flatMap { Int($0) })
        case "created_at": .int(createdAt)
        case "updated_at": .int(updatedAt)
        case "signed_up_at": .int(signedUpAt)
        case "last_seen_at": .int(lastSeenAt)
        case "last_replied_at": .int(lastRepliedAt)
        case "last_contacted_at": .int(lastContactedAt)
        case "last_email_opened_at": .int(nil)
        case "tag_id": .strings(tagIds)
        case "company_id": .strings(companyIds)
        case "segment_id": .strings(segmentIds)
        case "location.country": .string(locationCountry)
        case "location.city": .string(locationCity)
        default: field.hasPrefix("custom_attributes.") ? customValue(String(field.dropFirst("custom_attributes.".count))) : .string(nil)
        }
    }

    func customValue(_ key: String) -> FieldValue {
        switch customAttributes.first(where: { $0.0 == key })?.1 {
        case let .int(i)?: .int(i)
        case let .string(s)?: .string(s)
        case let .bool(b)?: .bool(b)
        case let .double(d)?: .string(String(d))
        default: .string(nil)
        }
    }
}

extension SimConversation {
    static let dateFields: Set<String> = ["created_at", "updated_at", "waiting_since", "snoozed_until"]

    func searchValue(_ field: String) -> FieldValue {
        switch field {
        case "id": .string(id)
        case "created_at": .int(createdAt)
        case "updated_at": .int(updatedAt)
        case "waiting_since": .int(waitingSince)
        case "snoozed_until": .int(snoozedUntil)
        case "state": .string(state)
        case "open": .bool(state == "open")
        case "read": .bool(read)
        case "priority": .string(priority)
        case "admin_assignee_id": .int(adminAssigneeId.flatMap { Int($0) } ?? 0)
        case "team_assignee_id": .int(teamAssigneeId.flatMap { Int($0) } ?? 0)
        case "contact_ids": .strings(contactIds)
        case "tag_ids": .strings(tagIds)
        case "source.author.id": .string(sourceAuthorId)
        case "source.body": .string(sourceBody)
        case "title": .string(title)
        default: .string(nil)
        }
    }
}
