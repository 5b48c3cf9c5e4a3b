import HTTPTypes
import Hummingbird
import IntercomAPI
import MirrorStore
import Logging
import NIOCore

/// Streams a whole list as CSV or NDJSON, page by page on the keyset, so memory stays flat however long the list.
struct ListStreamer: Sendable {
    /// 500 rows per read keeps each snapshot short and each buffer small.
    static let pageSize = 500

    let reader: MirrorReader
    let plan: ListPlan
    let format: ListFormat
    let projection: Projection
    /// See `ReadAPIConfiguration.streamFailsAfterPages`.
    var failsAfterPages: Int? = nil

    /// The streamed response. The first page is read before the status line, so everything a JSON request would be
    /// refused for (an unknown parent, a bad cursor, a query past its budget) is refused the same way, with the same
    /// status and JSON error body. A failure on a later page, after the 200 went out, ends the body without its last
    /// chunk, so the client sees an incomplete transfer; it is logged with the request id.
    func response(startingAfter start: Cursor?, logger: Logger) async throws -> Response {
        let contentType = format == .csv ? "text/csv; charset=utf-8" : "application/x-ndjson"
        let first = try await reader.page(plan, after: start, limit: Self.pageSize)
        let body = ResponseBody { [self] writer in
            if format == .csv {
                try await writer.write(ByteBuffer(string: projection.selected.map(\.column.name).joined(separator: ",") + "\r\n"))
            }
            var page = first
            var written = 0
            do {
                while true {
                    let bytes = encode(page.rows)
                    if !bytes.isEmpty { try await writer.write(ByteBuffer(bytes: bytes)) }
                    written += 1
                    guard let next = page.next else { break }
                    if let failsAfterPages, written >= failsAfterPages { throw APIError.queryTimeout }
                    page = try await reader.page(plan, after: next, limit: Self.pageSize)
                }
            } catch {
                logger.error("streamed export failed after its 200; the body ends without its last chunk",
                             metadata: ["error": "\(error)"])
                throw error
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: contentType], body: body)
    }

    /// One page's rows as CSV lines or NDJSON objects.
    func encode(_ rows: [[StoreValue]]) -> [UInt8] {
        var bytes: [UInt8] = []
        for row in rows {
            if format == .csv {
                bytes += Array(projection.selected.map { RowEncoder.csvCell(row[$0.index], $0.column) }.joined(separator: ",").utf8)
                bytes += [13, 10]
            } else {
                RowEncoder.write(row, projection, into: &bytes)
                bytes.append(10)
            }
        }
        return bytes
    }
}
