import IntercomAPI

/// Writes a JSON value as block-style YAML, for `openapi.yaml`. Strings are double-quoted with JSON escapes, which
/// YAML reads the same way, so no value is ever misread as a number, boolean or flow collection.
enum YAMLWriter {
    static func render(_ value: JSON) -> String {
        var out = ""
        write(value, indent: 0, into: &out)
        return out
    }

    private static func write(_ value: JSON, indent: Int, into out: inout String) {
        let pad = String(repeating: "  ", count: indent)
        switch value {
        case let .object(members):
            for (key, member) in members {
                out += pad + keyText(key) + ":"
                writeNested(member, indent: indent, into: &out)
            }
        case let .array(items):
            for item in items {
                out += pad + "-"
                switch item {
                case let .object(members) where !members.isEmpty:
                    // The first key goes on the dash's line; the rest line up under it.
                    var nested = ""
                    write(item, indent: indent + 1, into: &nested)
                    out += " " + nested.dropFirst(pad.count + 2)
                default: writeNested(item, indent: indent, into: &out)
                }
            }
        default: out += pad + scalar(value) + "\n"
        }
    }

    private static func writeNested(_ value: JSON, indent: Int, into out: inout String) {
        switch value {
        case let .object(members) where !members.isEmpty:
            out += "\n"
            write(value, indent: indent + 1, into: &out)
        case let .array(items) where !items.isEmpty:
            out += "\n"
            write(value, indent: indent + 1, into: &out)
        default: out += " " + scalar(value) + "\n"
        }
    }

    private static func scalar(_ value: JSON) -> String {
        switch value {
        case .object: "{}"
        case .array: "[]"
        default: value.text
        }
    }

    private static func keyText(_ key: String) -> String {
        let plain = key.first.map { $0.isLetter || $0 == "_" || $0 == "/" } == true
            && key.allSatisfy { $0.isLetter || $0.isNumber || "_-./{}".contains($0) }
            && !["y", "n", "yes", "no", "on", "off", "true", "false", "null"].contains(key.lowercased())
        return plain ? key : JSON.string(key).text
    }
}
