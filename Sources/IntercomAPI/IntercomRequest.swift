/// One Intercom call: method, path, query and optional JSON body.
public struct IntercomRequest: Sendable, Equatable {
    /// The HTTP methods the mirror uses.
    public enum Method: String, Sendable { case get = "GET", post = "POST" }

    public var method: Method
    /// Path below the base URL, starting with `/`.
    public var path: String
    public var query: [(String, String)]
    public var body: JSON?
    /// Whether failures may be retried in place; scroll pages may not, since the server may have moved on.
    public var retryable: Bool

    public init(_ method: Method = .get, _ path: String, query: [(String, String)] = [], body: JSON? = nil, retryable: Bool = true) {
        self.method = method
        self.path = path
        self.query = query
        self.body = body
        self.retryable = retryable
    }

    public static func == (lhs: IntercomRequest, rhs: IntercomRequest) -> Bool {
        lhs.method == rhs.method && lhs.path == rhs.path && lhs.body == rhs.body && lhs.retryable == rhs.retryable
            && lhs.query.elementsEqual(rhs.query) { $0 == $1 }
    }

    /// Path and percent-encoded query, as sent.
    public var target: String {
        guard !query.isEmpty else { return path }
        return path + "?" + query.map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }.joined(separator: "&")
    }

    private static let unreserved = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~".utf8)

    static func encode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            if unreserved.contains(byte) { out.unicodeScalars.append(Unicode.Scalar(byte)) }
            else { out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2) }
        }
        return out
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
