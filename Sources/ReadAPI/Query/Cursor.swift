import Foundation
import IntercomAPI
import MirrorStore

/// The cursor's text form: base64url of a small JSON array of the sort column, its direction, the last sort value and
/// the last id. Opaque to clients; checked against the request's sort when it comes back.
extension Cursor {
    /// Reads a cursor handed out earlier; a cursor from another sort order or a damaged one is `bad_cursor`.
    init(decoding text: String, sort: SortKey) throws(APIError) {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64), let json = try? JSON.parse(Array(data)),
              let items = json.arrayValue, items.count == 4,
              items[0].stringValue == sort.column, items[1] == .bool(sort.descending), let id = items[3].stringValue
        else { throw .badCursor }
        let value: StoreValue
        switch items[2] {
        case .null: value = .null
        case let .int(n): value = .int(Int64(n))
        case let .double(x): value = .double(x)
        case let .string(s): value = .text(s)
        default: throw .badCursor
        }
        self.init(sort: sort, value: value, id: id)
    }

    /// The cursor's text: base64url of a small JSON array.
    var encoded: String {
        let json: JSON
        switch value {
        case .null: json = .null
        case let .int(n): json = .int(Int(n))
        case let .double(x): json = .double(x)
        case let .text(s): json = .string(s)
        }
        let bytes = JSON.array([.string(sort.column), .bool(sort.descending), json, .string(id)]).encoded()
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
