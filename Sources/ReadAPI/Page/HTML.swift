import Foundation

/// A fragment of HTML. Interpolating a `String` escapes it and interpolating `HTML` inserts it as is, so text from the
/// mirror (names hold tags and scripts on purpose) cannot become markup unless code says so by building `HTML` from it.
struct HTML: ExpressibleByStringInterpolation, Sendable {
    var markup: String

    init(stringLiteral value: String) { markup = value }
    init(stringInterpolation: StringInterpolation) { markup = stringInterpolation.markup }
    private init(markup: String) { self.markup = markup }

    /// Nothing.
    static var empty: HTML { HTML(markup: "") }

    /// Fragments one after the other.
    init(joining fragments: some Sequence<HTML>, separator: HTML = .empty) {
        markup = fragments.map(\.markup).joined(separator: separator.markup)
    }

    struct StringInterpolation: StringInterpolationProtocol {
        var markup = ""
        init(literalCapacity: Int, interpolationCount: Int) { markup.reserveCapacity(literalCapacity + 16 * interpolationCount) }
        mutating func appendLiteral(_ literal: String) { markup += literal }
        /// Text: escaped for element content and for quoted attribute values alike.
        mutating func appendInterpolation(_ text: String) { markup += HTML.escape(text) }
        mutating func appendInterpolation(_ text: Substring) { markup += HTML.escape(String(text)) }
        mutating func appendInterpolation(_ fragment: HTML) { markup += fragment.markup }
        mutating func appendInterpolation(_ fragments: [HTML]) { for fragment in fragments { markup += fragment.markup } }
        mutating func appendInterpolation(_ number: Int) { markup += String(number) }
    }

    /// `&`, `<`, `>`, `"` and `'` as character references: safe in text and in single- or double-quoted attributes.
    static func escape(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 || $0 == 0x27 }) else { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count + 16)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

/// URLs of the read API's routes, with every value percent-encoded, for the page's links.
enum PageURL {
    /// Characters left as they are in a query value or a path segment (RFC 3986 unreserved).
    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    static func encode(_ value: String) -> String { value.addingPercentEncoding(withAllowedCharacters: unreserved) ?? "" }

    /// `path?k=v&…`, values and keys encoded; `:` and `,` stay readable since the grammar uses them and they are legal.
    static func route(_ path: String, _ items: [(key: String, value: String)] = []) -> String {
        guard !items.isEmpty else { return path }
        return path + "?" + items.map { encode($0.key) + "=" + readable($0.value) }.joined(separator: "&")
    }

    /// A query value percent-encoded except for `:` and `,`, which a dashboard builder reads better as themselves.
    private static func readable(_ value: String) -> String {
        encode(value).replacingOccurrences(of: "%3A", with: ":").replacingOccurrences(of: "%2C", with: ",")
    }

    /// `/NAME/{id}…` with the id encoded as one path segment.
    static func item(_ name: String, _ id: String, _ rest: String = "") -> String { "/\(name)/\(encode(id))\(rest)" }
}
