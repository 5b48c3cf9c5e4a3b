import IntercomAPI
import Testing

/// The parser every Intercom response goes through: strings with and without escapes, numbers at the edges of `Int`,
/// and the malformed bodies a truncated response produces.
@Suite struct JSONParseTests {
    @Test func stringsWithAndWithoutEscapes() throws {
        #expect(try JSON.parse(#""plain ascii""#) == .string("plain ascii"))
        #expect(try JSON.parse(#""""#) == .string(""))
        #expect(try JSON.parse(#""héllo wörld ✓""#) == .string("héllo wörld ✓"))
        #expect(try JSON.parse(#""a\"b\\c\/d\n\r\t\b\f""#) == .string("a\"b\\c/d\n\r\t\u{08}\u{0C}"))
        #expect(try JSON.parse(#""before \u00e9 after""#) == .string("before é after"))
        #expect(try JSON.parse(#""\ud83d\ude00""#) == .string("😀"))
        #expect(try JSON.parse(#""<p>He said \"hi\"</p>""#) == .string("<p>He said \"hi\"</p>"))
        // Keys take the same path as values.
        #expect(try JSON.parse(#"{"a\"b": 1, "plain": "x"}"#) == .object([("a\"b", .int(1)), ("plain", .string("x"))]))
    }

    @Test func numbers() throws {
        #expect(try JSON.parse("0") == .int(0))
        #expect(try JSON.parse("-17") == .int(-17))
        #expect(try JSON.parse("1700000000") == .int(1_700_000_000))
        #expect(try JSON.parse("999999999999999999") == .int(999_999_999_999_999_999))  // 18 digits
        #expect(try JSON.parse("9223372036854775807") == .int(Int.max))                  // 19 digits, still an Int
        #expect(try JSON.parse("-9223372036854775808") == .int(Int.min))
        #expect(try JSON.parse("9223372036854775808") == .double(9_223_372_036_854_775_808))  // past Int: a double
        #expect(try JSON.parse("1.5") == .double(1.5))
        #expect(try JSON.parse("-2e3") == .double(-2000))
        #expect(try JSON.parse("[1,-2,3.25]") == .array([.int(1), .int(-2), .double(3.25)]))
    }

    @Test func roundTripsThroughItsOwnText() throws {
        let value = JSON.object([("s", .string("q\"uote\\ \n tab\t é 😀")), ("n", .int(-42)), ("d", .double(0.5)),
                                 ("a", .array([.null, .bool(true), .bool(false)])), ("o", .object([]))])
        #expect(try JSON.parse(value.text) == value)
        // Escapes are written where needed and only there; the runs between them are copied whole.
        #expect(JSON.string("a\"b\\c\nd\u{01}é\r\tz").text == #""a\"b\\c\nd\u0001é\r\tz""#)
        #expect(JSON.string("\"").text == #""\"""#)
        #expect(JSON.string("no escapes at all").text == #""no escapes at all""#)
    }

    /// Strings are scanned eight bytes at a time: a character needing an escape at any offset of a word, next to
    /// the bytes just above and below the ones that need escaping, is escaped exactly as one byte at a time would.
    @Test func escapesLandWhereverTheyFallInAWord() throws {
        func reference(_ s: String) -> String {
            var out = "\""
            for scalar in s.unicodeScalars {
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\r": out += "\\r"
                case "\t": out += "\\t"
                case let c where c.value < 0x20: out += (c.value < 0x10 ? "\\u000" : "\\u00") + String(c.value, radix: 16)
                default: out.unicodeScalars.append(scalar)
                }
            }
            return out + "\""
        }
        let specials = ["\"", "\\", "\n", "\u{01}", "\u{1F}"], neighbours = [" ", "!", "#", "[", "]", "\u{7F}", "é", "😀"]
        for length in 0...20 {
            for special in specials + neighbours {
                for offset in 0...length {
                    let s = String(repeating: "a", count: offset) + special + String(repeating: "b", count: length - offset)
                    #expect(JSON.string(s).text == reference(s), "\(length) \(offset)")
                    #expect(try JSON.parse(JSON.string(s).text) == .string(s))
                }
            }
        }
    }

    @Test func malformedTextIsRefusedWithItsOffset() {
        for text in [#""unterminated"#, #""escape at end\"#, "-", "--1", "[1,]", "{\"a\" 1}", "nul", "{} x", "[1 2]", ""] {
            #expect(throws: JSONParseError.self, "\(text)") { try JSON.parse(text) }
        }
        do {
            _ = try JSON.parse("[1, @]")
            Issue.record("parsed an invalid value")
        } catch {
            #expect(error.offset == 4)
        }
    }
}
