import Crypto

/// Intercom's webhook signature: `X-Hub-Signature: sha1=<hex>`, the HMAC-SHA1 of the raw request body keyed with the
/// app's client secret. SHA-1 is Intercom's choice, not ours; as an HMAC it still proves the sender knows the secret.
public enum WebhookSignature {
    /// The header Intercom signs its deliveries in.
    public static let headerName = "X-Hub-Signature"

    /// The header value for `body` under `secret`: `sha1=` and 40 lowercase hex digits.
    public static func sign(_ body: [UInt8], secret: String) -> String {
        let code = HMAC<Insecure.SHA1>.authenticationCode(for: body, using: SymmetricKey(data: Array(secret.utf8)))
        let digits = Array("0123456789abcdef")
        return "sha1=" + String(code.flatMap { byte in [digits[Int(byte >> 4)], digits[Int(byte & 0x0f)]] })
    }

    /// Whether `header` is the signature of `body` under `secret`. The comparison takes the same time wherever the
    /// bytes differ (swift-crypto compares authentication codes in constant time), so timing reveals nothing.
    public static func isValid(_ header: String?, body: [UInt8], secret: String) -> Bool {
        guard let header, header.hasPrefix("sha1="), let presented = hexBytes(header.dropFirst(5)), presented.count == 20 else {
            return false
        }
        return HMAC<Insecure.SHA1>.isValidAuthenticationCode(presented, authenticating: body,
                                                              using: SymmetricKey(data: Array(secret.utf8)))
    }

    /// Bytes of an even-length hex string (either case), or nil.
    static func hexBytes(_ text: Substring) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        func value(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        for i in stride(from: 0, to: digits.count, by: 2) {
            guard let high = value(digits[i]), let low = value(digits[i + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        return bytes
    }
}
