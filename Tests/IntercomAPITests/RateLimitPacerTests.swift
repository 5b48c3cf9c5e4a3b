import IntercomAPI
import Testing

/// The pacer spends at most its share of each window and never overshoots with calls in flight.
@Suite struct RateLimitPacerTests {
    @Test func firstCallProbesThenWaitsForHeaders() {
        var pacer = RateLimitPacer()
        #expect(pacer.next(now: 100) == .send)
        #expect(pacer.next(now: 100) == .wait(until: 100.05))
        pacer.observe(limit: 166, remaining: 165, reset: 110, now: 100.1)
        #expect(pacer.next(now: 100.1) == .send)
    }

    @Test func spendsAtMostTheShareOfAWindow() {
        var pacer = RateLimitPacer(share: 0.8)
        pacer.observe(limit: 100, remaining: 99, reset: 110, now: 100)
        #expect(pacer.budget == 80)
        var sent = 0
        while case .send = pacer.next(now: 101) { sent += 1 }
        // 1 already used by the probe window plus 79 in flight: 80 in all.
        #expect(sent == 79)
        #expect(pacer.next(now: 101) == .wait(until: 110))
    }

    @Test func newWindowRestoresTheBudget() {
        var pacer = RateLimitPacer(share: 0.5)
        pacer.observe(limit: 10, remaining: 5, reset: 110, now: 100)
        #expect(pacer.next(now: 105) == .wait(until: 110))
        #expect(pacer.next(now: 110) == .send)
    }

    @Test func responsesFreeInFlightSlotsOnlyAsFarAsRemainingAllows() {
        var pacer = RateLimitPacer(share: 1)
        pacer.observe(limit: 4, remaining: 3, reset: 110, now: 100)
        for _ in 0..<3 { #expect(pacer.next(now: 100) == .send) }
        #expect(pacer.next(now: 100) != .send)
        // Another app of ours spent the rest: Remaining says so, even though our calls came back.
        pacer.observe(limit: 4, remaining: 0, reset: 110, now: 100.2)
        #expect(pacer.next(now: 100.2) == .wait(until: 110))
    }

    @Test func aLateAnswerFromAnOldWindowDoesNotResetTheCount() {
        var pacer = RateLimitPacer(share: 1)
        pacer.observe(limit: 4, remaining: 0, reset: 120, now: 111)
        pacer.observe(limit: 4, remaining: 3, reset: 110, now: 111)
        #expect(pacer.next(now: 111) == .wait(until: 120))
    }

    @Test func rateLimitedBlocksUntilReset() {
        var pacer = RateLimitPacer()
        pacer.observe(limit: 100, remaining: 90, reset: 110, now: 100)
        _ = pacer.next(now: 100)
        pacer.rateLimited(reset: 110, now: 100.5)
        #expect(pacer.next(now: 101) == .wait(until: 110))
        #expect(pacer.next(now: 110) == .send)
    }

    @Test func cancelledCallsReturnTheirSlot() {
        var pacer = RateLimitPacer(share: 1)
        pacer.observe(limit: 2, remaining: 1, reset: 110, now: 100)
        #expect(pacer.next(now: 100) == .send)
        #expect(pacer.next(now: 100) != .send)
        pacer.cancelled()
        #expect(pacer.next(now: 100) == .send)
    }
}
