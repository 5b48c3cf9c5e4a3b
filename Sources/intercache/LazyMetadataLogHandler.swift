import Logging

/// The standard-error handler, with its metadata kept apart and merged into each message only when one is written.
/// Hummingbird sets a request id on every request's logger, and `StreamLogHandler` formats its whole metadata
/// each time any of it is set, whether or not anything is logged: about 2% of a read's CPU.
struct LazyMetadataLogHandler: LogHandler {
    private var inner: any LogHandler
    var metadata: Logger.Metadata = [:]

    init(label: String) {
        inner = StreamLogHandler.standardError(label: label)
    }

    /// A logger with this handler.
    static func logger(_ label: String) -> Logger { Logger(label: label, factory: { LazyMetadataLogHandler(label: $0) }) }

    var logLevel: Logger.Level {
        get { inner.logLevel }
        set { inner.logLevel = newValue }
    }

    var metadataProvider: Logger.MetadataProvider? {
        get { inner.metadataProvider }
        set { inner.metadataProvider = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var event = event
        if !metadata.isEmpty { event.metadata = metadata.merging(event.metadata ?? [:]) { _, explicit in explicit } }
        inner.log(event: event)
    }
}
