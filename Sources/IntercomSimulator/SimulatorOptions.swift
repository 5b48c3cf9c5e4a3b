import IntercomAPI
/// How a simulated workspace is seeded and how its API misbehaves.
public struct SimulatorOptions: Sendable {
    public var seed: UInt64 = 1
    public var contacts = 1_000
    public var companies = 100
    public var conversations = 500
    /// Tickets of all three categories, with parts at `partsPerConversation` on average.
    public var tickets = 100
    /// Mean number of parts per conversation; a few conversations go past the 500-part cap.
    public var partsPerConversation = 6.0
    /// Calls per minute per token, enforced in 10-second windows as Intercom does; 0 turns it off.
    public var rateLimit = 0
    /// Share of API calls that fail (500, 502 with HTML, 503, a truncated body, or a stall).
    public var faultRate = 0.0
    /// How long a stalled response hangs before it is answered.
    public var stallSeconds = 20.0
    /// The access token the API accepts.
    public var token = "simulator-token"
    /// The workspace timezone; contact search on dates is day-granular in it.
    public var timezone = "America/Los_Angeles"
    /// Seconds a change stays invisible to search (Intercom's index lag); 0 turns it off.
    public var searchIndexLag = 0
    /// Seconds an idle scroll stays open; Intercom's is one minute.
    public var scrollExpiry = 60
    /// Company listing (`GET /companies`, `POST /companies/list`) stops at this many, as Intercom's does.
    public var companyListingCap = 10_000
    /// Where the simulator POSTs webhooks for its mutations; nil sends none.
    public var webhookURL: String?
    /// The client secret webhooks are signed with (`X-Hub-Signature`).
    public var webhookSecret: String?
    /// Scopes refused to the token (see `Denial` and `AccessScopeName`), such as `["articles": .removed]`.
    public var denials: [String: Denial] = [:]
    /// Share of objects whose fields arrive with another JSON type (see `DriftSettings`).
    public var driftShare = 0.0
    /// Field names that drift; nil drifts every field of a chosen object.
    public var driftFields: Set<String>?
    /// What `/me` says of the app's region (`US`, `EU`, `AU`).
    public var region = "US"

    public init() {}
}
