/// The four ways Intercom pages a list.
public enum PageStyle: Sendable, Equatable {
    /// `GET` with `per_page` and `starting_after` in the query; the next cursor is `pages.next.starting_after`.
    case cursorList(path: String, itemsKey: String, perPage: Int)
    /// `POST` search with the cursor in the body under `pagination` (a query-string cursor returns page 1 again).
    /// Items sit under `data` for contacts and under `conversations` for conversations.
    case cursorSearch(path: String, itemsKey: String, query: JSON, sort: JSON?, perPage: Int)
    /// `page` and `per_page` in the query; more pages while `pages.next` is set.
    case pageNumber(path: String, itemsKey: String, perPage: Int)
    /// `scroll_param` in the query; the end is a page with empty `data`.
    case scroll(path: String)
}

/// One page of items, with the cursor that fetches the page after it (nil on the last page).
public struct IntercomPage: Sendable {
    public var items: [JSON]
    /// Intercom's `total_count`, when it sends one.
    public var totalCount: Int?
    /// The position after this page, for a checkpoint: a cursor, a page number or a scroll param.
    public var next: String?
}

/// Pagination bookkeeping as a pure state machine: it says which request comes next and reads each response.
public struct PageWalker: Sendable {
    public let style: PageStyle
    private var position: String?
    private var finished = false

    /// Starts at the first page, or after `resume` (a position an earlier `IntercomPage.next` gave).
    public init(_ style: PageStyle, resume: String? = nil) {
        self.style = style
        self.position = resume
    }

    /// The request for the next page, or nil when the list is done.
    public func nextRequest() -> IntercomRequest? {
        guard !finished else { return nil }
        switch style {
        case let .cursorList(path, _, perPage):
            var query = [("per_page", String(perPage))]
            if let position { query.append(("starting_after", position)) }
            return IntercomRequest(.get, path, query: query)
        case let .cursorSearch(path, _, filter, sort, perPage):
            var pagination: [(String, JSON)] = [("per_page", .int(perPage))]
            if let position { pagination.append(("starting_after", .string(position))) }
            var body: [(String, JSON)] = [("query", filter)]
            if let sort { body.append(("sort", sort)) }
            body.append(("pagination", .object(pagination)))
            return IntercomRequest(.post, path, body: .object(body))
        case let .pageNumber(path, _, perPage):
            return IntercomRequest(.get, path, query: [("page", position ?? "1"), ("per_page", String(perPage))])
        case let .scroll(path):
            return IntercomRequest(.get, path, query: position.map { [("scroll_param", $0)] } ?? [], retryable: false)
        }
    }

    /// Reads one response body and moves to the following page.
    public mutating func advance(with body: JSON) -> IntercomPage {
        let items: [JSON]
        var next: String?
        switch style {
        case let .cursorList(_, key, _), let .cursorSearch(_, key, _, _, _):
            items = body[key]?.arrayValue ?? []
            next = body["pages"]?["next"]?["starting_after"]?.stringValue
        case let .pageNumber(_, key, _):
            items = body[key]?.arrayValue ?? []
            let page = body["pages"]?["page"]?.intValue ?? Int(position ?? "1") ?? 1
            let hasNext = body["pages"]?["next"].map { $0 != .null } ?? false
            next = hasNext && !items.isEmpty ? String(page + 1) : nil
        case .scroll:
            items = body["data"]?.arrayValue ?? []
            // Intercom keeps sending a scroll_param on the final, empty page: emptiness is the only end.
            next = items.isEmpty ? nil : body["scroll_param"]?.stringValue
        }
        // A cursor that does not move would loop forever; treat it as the end.
        if case .scroll = style {} else if next != nil, next == position { next = nil }
        position = next
        finished = next == nil
        return IntercomPage(items: items, totalCount: body["total_count"]?.intValue, next: next)
    }
}

extension IntercomClient {
    /// The pages of a list, fetched one at a time as the caller iterates.
    public func pages(_ style: PageStyle, resume: String? = nil) -> IntercomPages {
        IntercomPages(client: self, walker: PageWalker(style, resume: resume))
    }
}

/// An async sequence of pages; each `next()` is one Intercom call.
public struct IntercomPages: AsyncSequence, Sendable {
    public typealias Element = IntercomPage
    let client: IntercomClient
    let walker: PageWalker

    public func makeAsyncIterator() -> Iterator { Iterator(client: client, walker: walker) }

    public struct Iterator: AsyncIteratorProtocol {
        let client: IntercomClient
        var walker: PageWalker

        public mutating func next() async throws -> IntercomPage? {
            guard let request = walker.nextRequest() else { return nil }
            let body = try await client.send(request)
            return walker.advance(with: body)
        }
    }
}
