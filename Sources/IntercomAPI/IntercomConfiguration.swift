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

/// The region a workspace lives in; its token works only on that region's host.
public enum IntercomRegion: String, Sendable, CaseIterable {
    case us, eu, au

    /// Intercom's API host for the region.
    public var baseURL: String {
        switch self {
        case .us: "https://api.intercom.io"
        case .eu: "https://api.eu.intercom.io"
        case .au: "https://api.au.intercom.io"
        }
    }
}

/// Who the token belongs to, from `GET /me`: logged at the start of a pass (never the token itself).
public struct IntercomWorkspace: Sendable, Equatable {
    /// The app's `id_code`.
    public var appID: String?
    public var name: String?
    /// Intercom's own word for the region (`US`, `EU`, `AU`), when `/me` says.
    public var region: String?
    /// The IANA zone the workspace reports its days in.
    public var timezone: String?
    /// The admin whose token this is: id, name and email.
    public var adminID: String?
    public var adminName: String?
    public var adminEmail: String?

    public init(me: JSON) {
        let app = me["app"]
        appID = app?["id_code"]?.idValue
        name = app?["name"]?.stringValue
        region = app?["region"]?.stringValue
        timezone = app?["timezone"]?.stringValue
        adminID = me["id"]?.idValue
        adminName = me["name"]?.stringValue
        adminEmail = me["email"]?.stringValue
    }

    /// One line for a log or the CLI: the workspace, its region and the token's admin.
    public var summary: String {
        let admin = [adminName, adminEmail.map { "<\($0)>" }].compactMap { $0 }.joined(separator: " ")
        return "workspace \(name ?? "?") (app \(appID ?? "?"), region \(region ?? "?")); token of admin \(admin.isEmpty ? adminID ?? "?" : admin)"
    }
}
