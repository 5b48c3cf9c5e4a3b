import Foundation
import GRDB
import IntercomAPI

/// An opaque keyset cursor: the sort it belongs to and the sort value and id of the last item served. The next page
/// starts strictly after that item, so rows the sync inserts or deletes meanwhile never shift or repeat a page.
struct Cursor: Equatable {
    let sort: SortKey
    /// The last item's sort value (nil when it was NULL) and id.
    let value: DatabaseValue
    let id: String

    init(sort: SortKey, value: DatabaseValue, id: String) {
        self.sort = sort
        self.value = value
        self.id = id
    }

    /// Reads a cursor handed out earlier; a cursor from another sort order or a damaged one is `bad_cursor`.
    init(decoding text: String, sort: SortKey) throws(APIError) {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64), let json = try? JSON.parse(Array(data)),
              let items = json.arrayValue, items.count == 4,
              items[0].stringValue == sort.column, items[1] == .bool(sort.descending), let id = items[3].stringValue
        else { throw .badCursor }
        let value: DatabaseValue
        switch items[2] {
        case .null: value = .null
        case let .int(n): value = Int64(n).databaseValue
        case let .double(x): value = x.databaseValue
        case let .string(s): value = s.databaseValue
        default: throw .badCursor
        }
        self.init(sort: sort, value: value, id: id)
    }

    /// The cursor's text: base64url of a small JSON array.
    var encoded: String {
        let json: JSON
        switch value.storage {
        case .null, .blob: json = .null
        case let .int64(n): json = .int(Int(n))
        case let .double(x): json = .double(x)
        case let .string(s): json = .string(s)
        }
        let bytes = JSON.array([.string(sort.column), .bool(sort.descending), json, .string(id)]).encoded()
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
