import IntercomAPI
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Everything Intercom does around a call: bearer auth, the 10-second rate-limit window with its
/// headers, injected faults, and `error.list` bodies for every failure.
struct IntercomMiddleware<Context: RequestContext>: RouterMiddleware {
    let workspace: Workspace

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let requestId = UUID().uuidString.lowercased()
        let endpoint = "\(request.method) \(context.endpointPath ?? request.uri.path)"
        guard request.headers[.authorization] == "Bearer \(workspace.options.token)" else {
            workspace.count(endpoint: endpoint, status: 401)
            return .intercomError(SimulatorError(status: 401, code: "unauthorized", message: "Access Token Invalid"), requestId: requestId)
        }
        let latency = workspace.enter()
        defer { workspace.leave() }
        if latency > 0 { try await Task.sleep(for: .seconds(latency)) }
        let admission = workspace.admit()
        var response: Response
        if !admission.allowed {
            response = .intercomError(SimulatorError(status: 429, code: "rate_limit_exceeded",
                                                     message: "You have exceeded the rate limit. Please try again later."),
                                      requestId: requestId)
        } else if let denial = workspace.denial(method: request.method.rawValue, path: request.uri.path) {
            response = .intercomError(denial.error, requestId: requestId)
        } else {
            let drift = request.uri.path == "/me" ? nil : workspace.driftSettings
            response = try await FaultContext.$drift.withValue(drift) {
                try await respond(request, context: context, requestId: requestId, next: next)
            }
        }
        response.headers[.rateLimitLimit] = String(admission.limit)
        response.headers[.rateLimitRemaining] = String(admission.remaining)
        response.headers[.rateLimitReset] = String(admission.reset)
        response.headers[.requestId] = requestId
        workspace.count(endpoint: endpoint, status: Int(response.status.code))
        return response
    }

    private func respond(_ request: Request, context: Context, requestId: String,
                         next: (Request, Context) async throws -> Response) async throws -> Response {
        var truncate = false
        switch workspace.drawFault() {
        case .internalError?:
            if request.uri.path.hasPrefix("/companies/scroll") { workspace.abandonScroll() }
            return .intercomError(SimulatorError(status: 500, code: "server_error",
                                                 message: "Request failed due to an internal network error. Please restart the scroll operation."),
                                  requestId: requestId)
        case .badGatewayHTML?:
            return Response(status: .badGateway, headers: [.contentType: "text/html"],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>\n")))
        case .unavailable?:
            return .intercomError(SimulatorError(status: 503, code: "service_unavailable", message: "Service Unavailable"), requestId: requestId)
        case .truncatedBody?:
            truncate = true
        case .stall?:
            try await Task.sleep(for: .seconds(workspace.stallSeconds))
        case nil:
            break
        }
        return try await FaultContext.$truncateBody.withValue(truncate) {
            do {
                return try await next(request, context)
            } catch let error as SimulatorError {
                return .intercomError(error, requestId: requestId)
            } catch let error as HTTPError {
                return .intercomError(SimulatorError(status: Int(error.status.code), code: "parameter_invalid",
                                                     message: error.body ?? "\(error.status)"), requestId: requestId)
            }
        }
    }
}
