import HTTPTypes
import Hummingbird
import HummingbirdCore
import IntercomAPI
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

extension ReadAPI {
    /// The read API's HTTP/1 server: Hummingbird's, except that a request the HTTP parser refuses (a request line or
    /// header block past its 80 KB limit, more than 1,000 header fields, malformed bytes) is answered in the read
    /// API's JSON error shape (414, 431 or 400) instead of Hummingbird's 400 with an empty body.
    public static func server() -> HTTPServerBuilder {
        .http1(configuration: .init(additionalChannelHandlers: ParserRefusalHandler.handlers()))
    }
}

/// What the bytes of the request being parsed have shown so far; shared by the two handlers of one connection, on its
/// event loop.
final class RequestBytesSeen {
    /// Whether the request line of the request being parsed has ended (a `\n` went by since the last request).
    var lineEnded = false
}

/// Sits before the HTTP decoder and watches raw bytes for the end of the request line, so a parser refusal can tell
/// a URI that is too long (414) from headers that are too large (431).
final class RequestLineWatcher: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    let seen: RequestBytesSeen

    init(seen: RequestBytesSeen) { self.seen = seen }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if !seen.lineEnded, Self.unwrapInboundIn(data).readableBytesView.contains(UInt8(ascii: "\n")) { seen.lineEnded = true }
        context.fireChannelRead(data)
    }
}

/// Sits after the HTTP codec. When the decoder throws, and no response is under way on the connection, it writes the
/// JSON error and closes the connection (the parser cannot resume); otherwise it passes the error on.
final class ParserRefusalHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    let seen = RequestBytesSeen()
    /// A request head arrived and its response has not ended.
    private var exchangeOpen = false
    private var refused = false

    /// The handlers of one connection.
    static func handlers() -> [any RemovableChannelHandler] { [ParserRefusalHandler()] }

    func handlerAdded(context: ChannelHandlerContext) {
        // The watcher must see bytes before the decoder, which is ahead of the handlers Hummingbird lets us add.
        try? context.pipeline.syncOperations.addHandler(RequestLineWatcher(seen: seen), position: .first)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head = Self.unwrapInboundIn(data) { exchangeOpen = true }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = Self.unwrapOutboundIn(data) {
            exchangeOpen = false
            seen.lineEnded = false
        }
        context.write(data, promise: promise)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let parserError: HTTPParserError? = switch error {
        case let error as HTTPParserError: error
        case let ByteToMessageDecoderError.dataReceivedInErrorState(error as HTTPParserError, _): error
        default: nil
        }
        guard let parserError else { return context.fireErrorCaught(error) }
        if refused { return }  // the refusal is written; later bytes only repeat the error
        guard !exchangeOpen else { return context.fireErrorCaught(error) }
        refused = true
        let apiError = Self.apiError(parserError, lineEnded: seen.lineEnded)
        let requestID = RequestID.next()
        let body = ByteBuffer(bytes: apiError.body(requestID: requestID).encoded())
        let head = HTTPResponse(status: apiError.status, headerFields: [
            .contentType: "application/json; charset=utf-8", .contentLength: String(body.readableBytes),
            .connection: "close", .requestID: requestID,
        ])
        context.write(Self.wrapOutboundOut(.head(head)), promise: nil)
        context.write(Self.wrapOutboundOut(.body(body)), promise: nil)
        let channel = context.channel
        context.writeAndFlush(Self.wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }

    static func apiError(_ error: HTTPParserError, lineEnded: Bool) -> APIError {
        switch error {
        case .headerOverflow where !lineEnded:
            APIError(.uriTooLong, "uri_too_long", "The request line is longer than the server reads (80 KB).",
                     hint: "narrow the request: fewer or shorter filter values, or several requests")
        case .headerOverflow:
            APIError(.requestHeaderFieldsTooLarge, "headers_too_large",
                     "The request's headers are larger than the server reads (80 KB in all, at most 1,000 fields).")
        default:
            APIError(.badRequest, "malformed_request", "The request is not valid HTTP/1.1 (\(error)).")
        }
    }
}
