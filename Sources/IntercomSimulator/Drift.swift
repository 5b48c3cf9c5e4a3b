import IntercomAPI

/// Schema drift as real workspaces show it (a field null where a number is documented, a number where a string is):
/// on a share of objects, chosen by id and stable per seed, each field (or each named one) arrives with another type,
/// and an unknown field appears. Ids and the parts of keys built from fields never drift: an object whose id is
/// garbage cannot be mirrored by anyone, and Intercom's ids are strings or numbers.
public struct DriftSettings: Sendable, Equatable {
    /// Share of objects (with an `id`) whose fields drift, 0 to 1.
    public var share = 0.0
    /// Field names that drift; nil drifts every scalar field of a chosen object and of the objects nested in it.
    public var fields: Set<String>?
    /// Mixed into the choice, so another seed drifts other objects.
    public var seed: UInt64 = 1

    public init(share: Double = 0, fields: Set<String>? = nil, seed: UInt64 = 1) {
        self.share = share
        self.fields = fields
        self.seed = seed
    }

    /// Keys that never drift: ids, and the fields data attributes' ids are made of.
    static let fixed: Set<String> = ["id", "model", "full_name"]
    /// A string long enough to break a mirror that assumes short values (20 KB).
    static let longString = String(repeating: "drift ", count: 3_400)

    /// `json` with the drift applied to every object a response holds.
    func apply(_ json: JSON) -> JSON { walk(json, inherited: nil) }

    /// `drifting` is the id of the nearest enclosing object chosen for drift, inherited by objects without an id.
    private func walk(_ json: JSON, inherited drifting: String?) -> JSON {
        switch json {
        case let .array(items):
            return .array(items.map { walk($0, inherited: drifting) })
        case let .object(members):
            var chosen = drifting
            if let id = json["id"]?.idValue { chosen = Self.hash(seed, id) % 10_000 < UInt64(share * 10_000) ? id : nil }
            var out: [(String, JSON)] = members.map { key, value in
                switch value {
                case .object, .array: return (key, walk(value, inherited: chosen))
                default:
                    guard let id = chosen, !Self.fixed.contains(key), fields?.contains(key) ?? true else { return (key, value) }
                    return (key, Self.drifted(value, kind: Self.hash(seed ^ 0x5bd1e995, id + "/" + key) % 5))
                }
            }
            if let id = chosen, json["id"]?.idValue == id, fields == nil {
                out.append(("x_simulator_unknown_field", .object([("added_in", .string("a future API version")), ("n", .int(1))])))
            }
            return .object(out)
        default:
            return json
        }
    }

    /// One of five drifts: null, a number for a string (or a string for anything else), an object, an array, a long string.
    static func drifted(_ value: JSON, kind: UInt64) -> JSON {
        switch kind {
        case 0: return .null
        case 1:
            if case let .string(s) = value { return .int(Int(hash(7, s) % 1_000_000)) }
            return .string(value == .null ? "" : value.text)
        case 2: return .object([("value", value)])
        case 3: return .array([value])
        default: return .string(longString)
        }
    }

    /// FNV-1a over the seed and text: cheap, stable across runs and platforms.
    static func hash(_ seed: UInt64, _ text: String) -> UInt64 {
        var h: UInt64 = 0xcbf29ce484222325 ^ seed
        for byte in text.utf8 {
            h ^= UInt64(byte)
            h = h &* 0x100000001b3
        }
        return h
    }
}
