import Synchronization

/// One field whose values arrived with another JSON type than the catalog expects.
public struct DriftedField: Sendable, Equatable {
    /// The mirrored table and column, such as `contacts` and `name`.
    public var table: String
    public var column: String
    /// Values written since the tally was last taken.
    public var count: Int
    /// The JSON types seen instead (`string`, `object`, ...), sorted.
    public var seen: [String]

    /// `table.column`, as `/sync` names the field.
    public var name: String { "\(table).\(column)" }
}

/// Counts drifted values as the normalizer meets them. The sync takes a resource's counts at the end of its pass, so
/// each pass reports (and warns about) its own drift once per field.
public final class DriftTally: Sendable {
    private let fields = Mutex<[String: [String: (count: Int, seen: Set<String>)]]>([:])

    public init() {}

    /// Notes one value of `table.column` that arrived as `seen`.
    public func record(table: String, column: String, seen: String) {
        fields.withLock { tables in
            var entry = tables[table, default: [:]][column] ?? (0, [])
            entry.count += 1
            entry.seen.insert(seen)
            tables[table, default: [:]][column] = entry
        }
    }

    /// The drift counted in `tables` since the last take, removed from the tally; sorted by table and column.
    public func take(tables: Set<String>) -> [DriftedField] {
        fields.withLock { all in
            var taken: [DriftedField] = []
            for table in tables.sorted() {
                guard let columns = all.removeValue(forKey: table) else { continue }
                for (column, entry) in columns.sorted(by: { $0.key < $1.key }) {
                    taken.append(DriftedField(table: table, column: column, count: entry.count, seen: entry.seen.sorted()))
                }
            }
            return taken
        }
    }
}
