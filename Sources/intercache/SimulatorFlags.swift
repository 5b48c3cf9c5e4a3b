import IntercomAPI
import ArgumentParser
import IntercomSimulator

/// The flags that seed a simulated workspace and decide how its API misbehaves.
struct SimulatorFlags: ParsableArguments {
    @Option(help: "Seed for the generated workspace; the same seed gives the same data.")
    var seed: UInt64 = 7
    @Option(help: "Number of contacts (users and leads).")
    var contacts = 5_000
    @Option(help: "Number of companies.")
    var companies = 500
    @Option(help: "Number of conversations.")
    var conversations = 2_000
    @Option(help: "Mean number of parts per conversation.")
    var partsPerConversation = 6.0
    @Option(help: "Calls per minute allowed per token, enforced in 10-second windows (0 = off).")
    var rateLimit = 0
    @Option(help: "Share of API calls that fail with 500, 502 (HTML), 503, a truncated body or a stall (0 to 1).")
    var faultRate = 0.0
    @Option(help: "Seconds a stalled response hangs before answering.")
    var stallSeconds = 20.0
    @Option(help: "Access token the simulated API accepts.")
    var token = "simulator-token"
    @Option(help: "Workspace timezone; contact search on dates is day-granular in it.")
    var timezone = "America/Los_Angeles"
    @Option(help: "Seconds a change stays invisible to search, like Intercom's index lag (0 = off).")
    var searchIndexLag = 0
    @Option(help: "Seconds an idle company scroll stays open.")
    var scrollExpiry = 60

    func validate() throws {
        guard (0...1).contains(faultRate) else { throw ValidationError("--fault-rate must be between 0 and 1") }
        guard contacts >= 0, companies >= 0, conversations >= 0 else { throw ValidationError("counts must not be negative") }
        guard rateLimit >= 0 else { throw ValidationError("--rate-limit must not be negative") }
        guard partsPerConversation >= 1 else { throw ValidationError("--parts-per-conversation must be at least 1") }
        guard !token.isEmpty else { throw ValidationError("--token must not be empty") }
    }

    var options: SimulatorOptions {
        var o = SimulatorOptions()
        o.seed = seed
        o.contacts = contacts
        o.companies = companies
        o.conversations = conversations
        o.partsPerConversation = partsPerConversation
        o.rateLimit = rateLimit
        o.faultRate = faultRate
        o.stallSeconds = stallSeconds
        o.token = token
        o.timezone = timezone
        o.searchIndexLag = searchIndexLag
        o.scrollExpiry = scrollExpiry
        return o
    }
}
