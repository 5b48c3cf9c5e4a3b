/// How to reach an Intercom workspace and how hard to lean on it.
public struct IntercomConfiguration: Sendable {
    /// Base URL without a trailing slash, such as `https://api.intercom.io`.
    public var baseURL: String
    /// The access token; sent as `Authorization: Bearer`, never logged.
    public var token: String
    /// The API version we speak; responses are parsed as this version's shapes.
    public var version = "2.16"
    /// Share of each rate-limit window we may spend; the rest stays for the workspace's other apps.
    public var rateLimitShare = 0.8
    /// Seconds a single call may take before it counts as failed and is retried.
    public var requestTimeoutSeconds: Int64 = 30
    /// Attempts per call before giving up; 8 attempts with capped backoff ride out about a minute of trouble.
    public var maxAttempts = 8
    /// First retry delay in seconds; doubled on each attempt, with full jitter.
    public var backoffBaseSeconds = 0.2
    /// Longest single retry delay in seconds.
    public var backoffMaxSeconds = 8.0

    public init(baseURL: String, token: String) {
        var url = baseURL
        while url.hasSuffix("/") { url.removeLast() }
        self.baseURL = url
        self.token = token
    }
}
