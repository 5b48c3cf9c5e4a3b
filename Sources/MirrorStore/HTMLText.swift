import Foundation

/// The text a person reads in an Intercom body: Intercom sends comment, note and message bodies as HTML, and an index
/// of the markup found `p` in every body and gave snippets such as `<p>Called them — <b>[renewal]</b>`.
public enum HTMLText {
    /// Marks the start and end of a match in a snippet: private-use code points, which no body keeps (`plain` drops
    /// them), so a snippet's own brackets never read as a match.
    public static let matchStart: Character = "\u{E000}"
    public static let matchEnd: Character = "\u{E001}"

    /// `html` with its tags, comments and scripts removed, entities decoded and runs of white space made one space.
    /// Block boundaries (`</p>`, `<br>`, `<li>`…) become a space, so words of two paragraphs never run together.
    public static func plain(_ html: String) -> String {
        guard html.contains(where: { $0 == "<" || $0 == "&" || $0 == matchStart || $0 == matchEnd || $0.isNewline }) else { return html }
        var out = String.UnicodeScalarView()
        let scalars = Array(html.unicodeScalars)
        var i = 0, pendingSpace = false
        func emit(_ s: Unicode.Scalar) {
            if s.properties.isWhitespace { pendingSpace = !out.isEmpty; return }
            if s == matchStart.unicodeScalars.first! || s == matchEnd.unicodeScalars.first! { return }
            if pendingSpace { out.append(" "); pendingSpace = false }
            out.append(s)
        }
        while i < scalars.count {
            let s = scalars[i]
            if s == "<", i + 1 < scalars.count, scalars[i + 1] == "!" || scalars[i + 1] == "/" || scalars[i + 1].properties.isAlphabetic {
                let rest = String(String.UnicodeScalarView(scalars[i...].prefix(9))).lowercased()
                let j: Int
                if rest.hasPrefix("<!--") { j = find("-->", in: scalars, from: i + 4) }
                else if rest.hasPrefix("<script") { j = find("</script>", in: scalars, from: i + 7) }
                else if rest.hasPrefix("<style") { j = find("</style>", in: scalars, from: i + 6) }
                else {
                    // The tag ends at the first `>` outside a quoted attribute value.
                    var k = i + 1, quote: Unicode.Scalar?
                    while k < scalars.count {
                        let c = scalars[k]
                        if let q = quote { if c == q { quote = nil } } else if c == "\"" || c == "'" { quote = c } else if c == ">" { break }
                        k += 1
                    }
                    j = k
                }
                // Every tag separates words except inline ones, whose text runs on (`re<b>new</b>al` reads renewal).
                let name = rest.dropFirst().drop(while: { $0 == "/" }).prefix(while: { $0.isLetter || $0.isNumber })
                if !["b", "i", "u", "em", "strong", "span", "a", "code", "small", "sub", "sup", "mark", "s"].contains(String(name)) {
                    pendingSpace = !out.isEmpty
                }
                i = j + 1
                continue
            }
            if s == "&", let (decoded, length) = entity(scalars, at: i) {
                for d in decoded.unicodeScalars { emit(d) }
                i += length
                continue
            }
            emit(s)
            i += 1
        }
        return String(out)
    }

    /// The index of the last scalar of `pattern` (ASCII, matched without case) at or after `start`, or the end.
    static func find(_ pattern: String, in s: [Unicode.Scalar], from start: Int) -> Int {
        let p = Array(pattern.unicodeScalars)
        var i = start
        while i + p.count <= s.count {
            var k = 0
            while k < p.count, Character(s[i + k]).lowercased() == Character(p[k]).lowercased() { k += 1 }
            if k == p.count { return i + p.count - 1 }
            i += 1
        }
        return s.count - 1
    }

    /// The entity at `i` (`&amp;`, `&#39;`, `&#x2014;`) and its length, or nil when `&` starts no entity.
    static func entity(_ s: [Unicode.Scalar], at i: Int) -> (String, Int)? {
        var j = i + 1
        while j < s.count, j - i <= 10, s[j] != ";" { j += 1 }
        guard j < s.count, s[j] == ";" else { return nil }
        let name = String(String.UnicodeScalarView(s[(i + 1)..<j]))
        let named: [String: String] = ["amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": " ", "mdash": "—",
                                       "ndash": "–", "hellip": "…", "rsquo": "’", "lsquo": "‘", "rdquo": "”", "ldquo": "“"]
        if let text = named[name] { return (text, j - i + 1) }
        if name.hasPrefix("#") {
            let digits = name.dropFirst()
            let value = digits.first == "x" || digits.first == "X" ? UInt32(digits.dropFirst(), radix: 16) : UInt32(digits)
            if let value, let scalar = Unicode.Scalar(value) { return (String(Character(scalar)), j - i + 1) }
        }
        return nil
    }
}
