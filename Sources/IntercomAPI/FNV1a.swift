/// FNV-1a, 64 bits: a stable hash of text (the same in every process and build, unlike `Hasher`), for fingerprints
/// that name something rather than protect it: ETags, the catalog's column migration.
public enum FNV1a {
    /// The hash of `text`'s UTF-8 bytes, in hexadecimal.
    public static func hex(_ text: String) -> String {
        var text = text
        return text.withUTF8 { hex(bytes: UnsafeRawBufferPointer($0)) }
    }

    /// The hash of `bytes`, in hexadecimal (a response body without copying it into a string). A raw buffer, not any
    /// sequence: across modules a generic sequence was walked through witness calls per byte, and hashing the page's
    /// 90 KB took most of its time.
    public static func hex(bytes: UnsafeRawBufferPointer) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return String(hash, radix: 16)
    }
}
