import HTTPTypes
import Hummingbird
import IntercomAPI
import MirrorStore
import NIOCore

/// Streams a whole list as CSV or NDJSON, page by page on the keyset, so memory stays flat however long the list.
struct ListStreamer: Sendable {
    /// 500 rows per read keeps each snapshot short and each buffer small.
    static let pageSize = 500

    let reader: MirrorReader
    let plan: ListPlan
    let format: ListFormat
    let projection: Projection

    func response(startingAfter start: Cursor?) -> Response {
        let contentType = format == .csv ? "text/csv; charset=utf-8" : "application/x-ndjson"
        let body = ResponseBody { [self] writer in
            if format == .csv {
                try await writer.write(ByteBuffer(string: projection.selected.map(\.column.name).joined(separator: ",") + "\r\n"))
            }
            var cursor = start
            repeat {
                let page = try await reader.page(plan, after: cursor, limit: Self.pageSize)
                var bytes: [UInt8] = []
                for row in page.rows {
                    if format == .csv {
                        bytes += Array(projection.selected.map { RowEncoder.csvCell(row[$0.index], $0.column) }.joined(separator: ",").utf8)
                        bytes += [13, 10]
                    } else {
                        RowEncoder.object(row, projection).write(into: &bytes)
                        bytes.append(10)
                    }
                }
                if !bytes.isEmpty { try await writer.write(ByteBuffer(bytes: bytes)) }
                cursor = page.next
            } while cursor != nil
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: contentType], body: body)
    }
}
