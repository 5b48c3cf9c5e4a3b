import IntercomAPI
import ArgumentParser
import Foundation
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

    @Option(help: "Number of tickets (customer, back-office and tracker; no list endpoint: clients page POST /tickets/search).")
    var tickets = 400
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
    @Option(help: "POST Intercom-style webhooks for every mutation to this URL (for example http://127.0.0.1:8080/webhooks/intercom).")
    var webhookURL: String?
    @Option(help: "Client secret the webhooks are signed with (X-Hub-Signature); the receiver's INTERCOM_CLIENT_SECRET.")
    var webhookSecret: String?
    @Option(help: "Milliseconds each webhook waits before it is sent.")
    var webhookDelayMs = 0.0
    @Option(help: "Share of webhooks never sent (0 to 1), as Intercom loses some.")
    var webhookDropRate = 0.0
    @Option(help: "Share of webhooks sent twice (0 to 1).")
    var webhookDuplicateRate = 0.0
    @Option(help: "Refuse scopes to the token, as real workspaces do: scope=401|403|403-forbidden|404|removed|500 (down), comma separated (for example articles=404,conversations=403,contact_notes=401). Scopes: \(AccessScopeName.all.joined(separator: ", ")).")
    var deny = ""
    @Option(help: "Share of objects whose fields arrive with another JSON type (0 to 1), as schema drift.")
    var driftShare = 0.0
    @Option(help: "Comma list of field names that drift (default: every field of a drifted object).")
    var driftFields: String?
    @Option(help: "The region /me reports for the app: US, EU or AU.")
    var region = "US"

    func validate() throws {
        guard (0...1).contains(faultRate) else { throw ValidationError("--fault-rate must be between 0 and 1") }
        guard contacts >= 0, companies >= 0, conversations >= 0, tickets >= 0 else { throw ValidationError("counts must not be negative") }
        guard rateLimit >= 0 else { throw ValidationError("--rate-limit must not be negative") }
        guard partsPerConversation >= 1 else { throw ValidationError("--parts-per-conversation must be at least 1") }
        guard !token.isEmpty else { throw ValidationError("--token must not be empty") }
        guard (0...1).contains(webhookDropRate), (0...1).contains(webhookDuplicateRate) else {
            throw ValidationError("--webhook-drop-rate and --webhook-duplicate-rate must be between 0 and 1")
        }
        guard (0...1).contains(driftShare) else { throw ValidationError("--drift-share must be between 0 and 1") }
        do { _ = try AccessScopeName.parse(deny) } catch { throw ValidationError("--deny: \(error.message)") }
        guard webhookDelayMs >= 0 else { throw ValidationError("--webhook-delay-ms must not be negative") }
        if let url = webhookURL, URL(string: url)?.scheme?.hasPrefix("http") != true {
            throw ValidationError("--webhook-url must be an http(s) URL, got '\(url)'")
        }
        guard (webhookURL == nil) == (webhookSecret?.isEmpty ?? true) else {
            throw ValidationError("--webhook-url and --webhook-secret go together")
        }
    }

    var options: SimulatorOptions {
        var o = SimulatorOptions()
        o.seed = seed
        o.contacts = contacts
        o.companies = companies
        o.conversations = conversations
        o.tickets = tickets
        o.partsPerConversation = partsPerConversation
        o.rateLimit = rateLimit
        o.faultRate = faultRate
        o.stallSeconds = stallSeconds
        o.token = token
        o.timezone = timezone
        o.searchIndexLag = searchIndexLag
        o.scrollExpiry = scrollExpiry
        o.webhookURL = webhookURL
        o.webhookSecret = webhookSecret
        o.denials = (try? AccessScopeName.parse(deny)) ?? [:]
        o.driftShare = driftShare
        o.driftFields = driftFields.map { Set($0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }) }
        o.region = region
        return o
    }

    /// A workspace seeded from these flags, with its webhook misbehaviour set.
    func workspace() -> Workspace {
        let workspace = Workspace(options: options)
        workspace.webhooks.configure { w in
            w.delaySeconds = webhookDelayMs / 1000
            w.dropRate = webhookDropRate
            w.duplicateRate = webhookDuplicateRate
        }
        return workspace
    }
}
