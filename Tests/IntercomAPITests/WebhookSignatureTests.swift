import IntercomAPI
import Testing

@Suite struct WebhookSignatureTests {
    /// RFC 2202, HMAC-SHA1 test case 2: an outside vector, so signer and verifier cannot share a mistake.
    @Test func signsTheRFC2202Vector() {
        let body = Array("what do ya want for nothing?".utf8)
        #expect(WebhookSignature.sign(body, secret: "Jefe") == "sha1=effcdf6ae5eb2fa2d27416d5f184df9c259a7c79")
        #expect(WebhookSignature.isValid("sha1=effcdf6ae5eb2fa2d27416d5f184df9c259a7c79", body: body, secret: "Jefe"))
        #expect(WebhookSignature.isValid("sha1=EFFCDF6AE5EB2FA2D27416D5F184DF9C259A7C79", body: body, secret: "Jefe"))
    }

    @Test func rejectsWrongMissingAndMalformedSignatures() {
        let body = Array(#"{"type":"notification_event"}"#.utf8)
        let good = WebhookSignature.sign(body, secret: "s3cret")
        #expect(WebhookSignature.isValid(good, body: body, secret: "s3cret"))
        #expect(!WebhookSignature.isValid(good, body: body, secret: "other"), "another secret")
        #expect(!WebhookSignature.isValid(good, body: body + [32], secret: "s3cret"), "a changed body")
        #expect(!WebhookSignature.isValid(nil, body: body, secret: "s3cret"), "no header")
        #expect(!WebhookSignature.isValid(String(good.dropFirst(5)), body: body, secret: "s3cret"), "no sha1= prefix")
        #expect(!WebhookSignature.isValid("sha256=" + good.dropFirst(5), body: body, secret: "s3cret"), "another algorithm")
        #expect(!WebhookSignature.isValid(String(good.dropLast(2)), body: body, secret: "s3cret"), "too short")
        #expect(!WebhookSignature.isValid(String(good.dropLast()) + "z", body: body, secret: "s3cret"), "not hex")
        let flipped = String(good.dropLast()) + (good.last == "0" ? "1" : "0")
        #expect(!WebhookSignature.isValid(flipped, body: body, secret: "s3cret"), "one digit off")
    }
}

@Suite struct NotificationTests {
    static func body(id: String = "notif_1", topic: String, item: JSON) -> [UInt8] {
        JSON.object([
            ("type", .string("notification_event")), ("id", .string(id)), ("topic", .string(topic)), ("app_id", .string("a")),
            ("created_at", .int(1_700_000_000)), ("delivery_attempts", .int(1)),
            ("data", .object([("type", .string("notification_event_data")), ("item", item)])),
        ]).encoded()
    }

    @Test func topicsNameTheItemToRefetch() throws {
        let contact = try IntercomNotification(body: Self.body(topic: "contact.user.updated",
                                                               item: .object([("type", .string("contact")), ("id", .string("abc123"))])))
        #expect(contact.hint == NotificationHint(kind: .contact, id: "abc123"))
        #expect(contact.createdAt == 1_700_000_000)
        let part = try IntercomNotification(body: Self.body(topic: "conversation_part.redacted",
                                                            item: .object([("type", .string("conversation_part")), ("id", .string("9")),
                                                                           ("conversation_id", .string("1042"))])))
        #expect(part.hint == NotificationHint(kind: .conversation, id: "1042"))
        let company = try IntercomNotification(body: Self.body(topic: "company.deleted", item: .object([("id", .string("c-1"))])))
        #expect(company.hint?.path == "/companies/c-1")
        #expect(NotificationHint.deletionReason(topic: "contact.archived") == "archived")
        #expect(NotificationHint.deletionReason(topic: "conversation.admin.closed") == "not_found")
    }

    @Test func ticketTopicsAreHintsAndTicketDeletedIsADeletion() throws {
        for topic in ["ticket.created", "ticket.state.updated", "ticket.admin.assigned", "ticket.note.created", "ticket.deleted"] {
            let hint = try IntercomNotification(body: Self.body(topic: topic, item: .object([("type", .string("ticket")), ("id", .string("22000007"))]))).hint
            #expect(hint == NotificationHint(kind: .ticket, id: "22000007"), "\(topic)")
            #expect(hint?.path == "/tickets/22000007")
        }
        #expect(NotificationHint.deletionReason(topic: "ticket.deleted") == "deleted")
    }

    @Test func unknownTopicsAndOddIdsAreNotHints() throws {
        #expect(try IntercomNotification(body: Self.body(topic: "ping", item: .object([]))).hint == nil)
        #expect(try IntercomNotification(body: Self.body(topic: "visitor.signed_up", item: .object([("id", .string("1"))]))).hint == nil)
        #expect(try IntercomNotification(body: Self.body(topic: "ticket.created", item: .object([("id", .string("../x"))]))).hint == nil)
        #expect(try IntercomNotification(body: Self.body(topic: "contact.user.updated",
                                                         item: .object([("id", .string("../admins?x=1"))]))).hint == nil)
        #expect(throws: IntercomNotification.ParseError.notJSON) { try IntercomNotification(body: Array("nope".utf8)) }
        #expect(throws: IntercomNotification.ParseError.self) { try IntercomNotification(body: JSON.object([("type", .string("x"))]).encoded()) }
    }

    @Test func theInboxMergesRepeatsAndCounts() throws {
        let inbox = NotificationInbox(capacity: 2, memory: 3)
        func note(_ id: String, _ item: String, topic: String = "contact.user.updated") -> IntercomNotification {
            IntercomNotification(id: id, topic: topic, createdAt: 1, hint: NotificationHint(kind: .contact, id: item))
        }
        #expect(inbox.receive(note("n1", "a"), at: 10) == .queued)
        #expect(inbox.receive(note("n1", "a"), at: 10) == .duplicate)
        #expect(inbox.receive(note("n2", "a"), at: 10) == .merged, "a second change to a waiting item costs no second fetch")
        #expect(inbox.receive(note("n3", "b"), at: 10) == .queued)
        #expect(inbox.receive(note("n4", "c"), at: 10) == .overflowed, "capacity 2")
        #expect(inbox.receive(IntercomNotification(id: "n5", topic: "ping", createdAt: nil, hint: nil), at: 10) == .ignored)
        #expect(inbox.take(NotificationHint(kind: .contact, id: "a")).map(\.id) == ["n1", "n2"])
        inbox.finished(NotificationHint(kind: .contact, id: "a"), applied: 2, at: 11)
        let c = inbox.counters
        #expect(c.received == 6)
        #expect(c.duplicates == 1)
        #expect(c.ignored == 1)
        #expect(c.overflowed == 1)
        #expect(c.applied == 2)
        #expect(c.appliedByResource["contacts"] == 2)
        #expect(c.pending == 1)
        // The memory holds 3 ids: n1 has been forgotten by now, so only the mirror's own record can spot it.
        #expect(inbox.receive(note("n1", "a"), at: 12) == .queued)
    }
}
