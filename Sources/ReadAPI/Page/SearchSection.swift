import MirrorStore

/// The search form over `/search` and, when a query was given, its hits: the snippet as text with the matched words
/// marked, and links to the JSON of each hit and of the whole answer.
struct SearchSection {
    let query: String
    /// nil when no query was asked.
    let hits: [SearchHit]?

    /// 20 hits is a page a person reads; the JSON link asks for the same.
    static var limit: Int { 20 }

    func render() -> HTML {
        """
        <section id="search" aria-labelledby="search-heading">
        <h2 id="search-heading">Search</h2>
        <form method="get" action="/#search" role="search">
        <label for="q">Conversations, parts, notes, contact names and emails</label>
        <input id="q" name="q" type="search" value="\(query)" placeholder="refund, renewal, an email…">
        <button type="submit">Search</button>
        </form>
        \(results)
        </section>

        """
    }

    var results: HTML {
        guard let hits else { return .empty }
        let url = PageURL.route("/search", [("q", query), ("limit", String(Self.limit))])
        guard !hits.isEmpty else {
            return "<p class=\"hits-summary\">No match for “\(query)”. \(PageLayout.source(url))</p>"
        }
        let items: [HTML] = hits.map { hit in
            let snippet = HTML(joining: hit.runs.map { run in run.match ? "<mark>\(run.text)</mark>" : "\(run.text)" })
            return "<li><span class=\"kind\">\(Self.kindName(hit.kind))</span> <span class=\"snippet\">\(snippet)</span> \(links(hit))</li>"
        }
        return """
            <p class="hits-summary">\(hits.count == 1 ? "1 match" : "\(hits.count) matches"), best first. \(PageLayout.source(url))</p>
            <ol class="hits">\(items)</ol>

            """
    }

    static func kindName(_ kind: String) -> String {
        switch kind {
        case "conversation_part": "reply or note"
        case "ticket_part": "ticket reply or note"
        default: kind
        }
    }

    /// The JSON of the hit and of what it belongs to.
    func links(_ hit: SearchHit) -> HTML {
        var links: [(String, String)] = []
        switch hit.kind {
        case "contact": links.append(("contact", PageURL.item("contacts", hit.id)))
        case "conversation": links.append(("conversation", PageURL.item("conversations", hit.id)))
        case "conversation_part":
            if let conversation = hit.conversationID {
                links.append(("part", PageURL.route(PageURL.item("conversations", conversation, "/parts"), [("id", hit.id)])))
                links.append(("conversation", PageURL.item("conversations", conversation)))
            }
        case "ticket", "ticket_part":
            if let ticket = hit.ticketID {
                if hit.kind == "ticket_part" { links.append(("part", PageURL.route(PageURL.item("tickets", ticket, "/parts"), [("id", hit.id)]))) }
                links.append(("ticket", PageURL.item("tickets", ticket)))
            }
        case "note":
            if let contact = hit.contactID { links.append(("note", PageURL.route(PageURL.item("contacts", contact, "/notes"), [("id", hit.id)]))) }
        default: break
        }
        if hit.kind != "contact", let contact = hit.contactID { links.append(("contact", PageURL.item("contacts", contact))) }
        let anchors: [HTML] = links.map { "<a href=\"\($0.1)\">\($0.0) JSON</a>" }
        return "<span class=\"hit-links\">\(HTML(joining: anchors, separator: " · "))</span>"
    }
}
