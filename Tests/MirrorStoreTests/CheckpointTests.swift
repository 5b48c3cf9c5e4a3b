import MirrorStore
import Testing

/// The checkpoint's transitions, on plain values: what a killed process leaves behind and what the next pass makes of it.
@Suite struct CheckpointTests {
    @Test func aNewSweepTakesTheNextGenerationAndAResumedOneKeepsItsPlace() {
        var state = Checkpoint(resource: "contacts")
        #expect(state.begin(sweeping: true, at: 100) == false)
        #expect(state.mode == .sweep && state.sweepGeneration == 1 && state.passStartedAt == 100 && state.position == nil)
        state.advance(to: "cursor-2")
        // The process is killed here; the next pass of the same kind resumes the pages and the generation.
        var resumed = state
        #expect(resumed.begin(sweeping: true, at: 500) == true)
        #expect(resumed == state)
        // An incremental pass does not resume a sweep: it starts its own pages and leaves the generation alone.
        var other = state
        #expect(other.begin(sweeping: false, at: 500) == false)
        #expect(other.mode == .incremental && other.position == nil && other.sweepGeneration == 1 && other.passStartedAt == 500)
    }

    @Test func finishingAPassMovesTheWatermarkToItsStartLessTheIndexLagAndNeverBack() {
        var state = Checkpoint(resource: "conversations")
        state.begin(sweeping: false, at: 1_000)
        state.advance(to: "p3")
        state.finishPass(indexLagSeconds: 600, at: 1_200)
        #expect(state.watermark == 400)
        #expect(state.mode == .idle && state.position == nil && state.lastIncrementalAt == 1_200 && state.lastFullSweepAt == nil)
        // A pass that started before the watermark (a clock step back) keeps it.
        state.begin(sweeping: true, at: 300)
        state.finishPass(indexLagSeconds: 600, at: 1_300)
        #expect(state.watermark == 400)
        #expect(state.lastFullSweepAt == 1_300)
        state.raiseWatermark(to: 350)
        #expect(state.watermark == 400)
        state.raiseWatermark(to: 900)
        #expect(state.watermark == 900)
    }

    @Test func aSweepWithoutPagesStampsOneGenerationUntilItFinishes() {
        var state = Checkpoint(resource: "companies")
        #expect(state.nextSweepGeneration == 1)
        state.beginSweep(at: 10)
        #expect(state.sweepGeneration == 1 && state.mode == .sweep)
        // Killed mid-scroll: the next try stamps the same generation, so rows stamped before the kill still count.
        state.beginSweep(at: 20)
        #expect(state.sweepGeneration == 1 && state.passStartedAt == 20)
        state.finishSweep(at: 30)
        #expect(state.mode == .idle && state.lastFullSweepAt == 30 && state.nextSweepGeneration == 2)
        // A list refresh that another step of the pass continues stays open and does not count as a full sweep yet.
        state.finishRefresh(generation: 2, at: 40, continues: true)
        #expect(state.mode == .sweep && state.sweepGeneration == 2 && state.lastFullSweepAt == 30)
    }

    @Test func aUserSweepResumesAfterItsLastUser() {
        var state = Checkpoint(resource: "event_summaries")
        state.beginUserSweep(at: 5)
        state.advance(to: "user-40")
        state.beginUserSweep(at: 9)
        #expect(state.position == "user-40" && state.passStartedAt == 5)
        state.finishSweep(at: 12)
        #expect(state.position == nil && state.mode == .idle && state.lastFullSweepAt == 12)
        state.record(error: "boom", succeeded: false, at: 13)
        #expect(state.lastError == "boom" && state.lastSuccessAt == nil)
        state.record(error: nil, succeeded: true, at: 14)
        #expect(state.lastError == nil && state.lastSuccessAt == 14)
    }
}
