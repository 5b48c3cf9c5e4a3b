import IntercomAPI
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Set by the fault injector: the handler's JSON body is cut in half, as a dropped connection leaves it.
enum FaultContext {
    @TaskLocal static var truncateBody = false
    /// Set by the middleware while drift is configured: every JSON body of the call drifts (see `DriftSettings`).
    @TaskLocal static var drift: DriftSettings?
}

extension Response {
    /// A JSON response; honours a pending truncation fault and the drift configured.
    static func json(_ value: JSON, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var bytes = (FaultContext.drift.map { $0.apply(value) } ?? value).encoded()
        if FaultContext.truncateBody { bytes = Array(bytes.prefix(bytes.count / 2)) }
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// Intercom's `error.list` envelope.
    static func intercomError(_ error: SimulatorError, requestId: String) -> Response {
        var headers = HTTPFields()
        for (name, value) in error.headers {
            if let field = HTTPField.Name(name) { headers[field] = value }
        }
        return .json(.object([
            ("type", .string("error.list")), ("request_id", .string(requestId)),
            ("errors", .array([.object([("code", .string(error.code)), ("message", .string(error.message))])])),
        ]), status: HTTPResponse.Status(code: error.status), headers: headers)
    }
}

extension Request {
    /// The request body parsed as JSON; an empty body is an empty object.
    func jsonBody() async throws -> JSON {
        let buffer = try await body.collect(upTo: 4 * 1024 * 1024)
        guard buffer.readableBytes > 0 else { return .object([]) }
        do { return try JSON.parse(buffer.readableBytesView) } catch {
            throw SimulatorError.badRequest("request body is not valid JSON (\(error))", code: "parameter_invalid")
        }
    }

    /// An integer query parameter, clamped to `range`; a non-number is a 400.
    func intQuery(_ name: String, default value: Int, range: ClosedRange<Int>) throws(SimulatorError) -> Int {
        guard let raw = uri.queryParameters.get(name) else { return value }
        guard let number = Int(raw) else { throw .badRequest("\(name) must be an integer") }
        return min(max(number, range.lowerBound), range.upperBound)
    }

    /// Base URL as the client addressed us, for the absolute links Intercom returns.
    var baseURL: String { "http://\(head.authority ?? "localhost")" }
}

extension HTTPField.Name {
    static let rateLimitLimit = HTTPField.Name("X-RateLimit-Limit")!
    static let rateLimitRemaining = HTTPField.Name("X-RateLimit-Remaining")!
    static let rateLimitReset = HTTPField.Name("X-RateLimit-Reset")!
    static let link = HTTPField.Name("Link")!
    static let requestId = HTTPField.Name("X-Request-Id")!
}
