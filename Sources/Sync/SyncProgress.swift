import Foundation
import Synchronization

/// Progress lines on stderr: one live line per resource on a terminal, plain lines every few seconds otherwise.
public final class SyncProgress: Sendable {
    /// Where lines go; nil keeps quiet (tests, the scheduler).
    let output: FileHandle?
    let live: Bool
    private let state = Mutex(State())

    struct State {
        var rows: [SyncResource: (mode: String, written: Int, done: String?)] = [:]
        var lastPrint: [SyncResource: Date] = [:]
        var lastRedraw = Date.distantPast
        var drawnLines = 0
    }

    /// Plain lines repeat at most this often per resource, so logs stay short.
    static let plainInterval: TimeInterval = 5

    public init(output: FileHandle?) {
        self.output = output
        self.live = output.map { isatty($0.fileDescriptor) == 1 } ?? false
    }

    func begin(_ resource: SyncResource, mode: String) {
        state.withLock { $0.rows[resource] = (mode, 0, nil) }
        emit(resource, force: true)
    }

    func update(_ resource: SyncResource, written: Int) {
        state.withLock { $0.rows[resource]?.written = written }
        emit(resource, force: false)
    }

    func finish(_ report: ResourceReport) {
        let summary = report.error.map { "failed: \($0)" } ?? report.unavailable.map { "unavailable: \($0)" }
            ?? String(format: "done in %.1f s", report.seconds)
        state.withLock { $0.rows[report.resource] = (report.mode, report.written, summary) }
        emit(report.resource, force: true)
    }

    /// One line of its own, such as the workspace the token belongs to.
    func note(_ line: String) {
        guard let output else { return }
        state.withLock { $0.drawnLines = 0 }
        output.write(Data((line + "\n").utf8))
    }

    private func emit(_ resource: SyncResource, force: Bool) {
        guard let output else { return }
        let text: String? = state.withLock { s in
            let now = Date()
            if live {
                guard force || now.timeIntervalSince(s.lastRedraw) > 0.1 else { return nil }
                s.lastRedraw = now
                let lines = s.rows.keys.sorted().map { Self.line($0, s.rows[$0]!) }
                let up = s.drawnLines > 0 ? "\u{1B}[\(s.drawnLines)A" : ""
                s.drawnLines = lines.count
                return up + lines.map { "\u{1B}[2K" + $0 + "\n" }.joined()
            }
            guard force || now.timeIntervalSince(s.lastPrint[resource] ?? .distantPast) > Self.plainInterval else { return nil }
            s.lastPrint[resource] = now
            return Self.line(resource, s.rows[resource]!) + "\n"
        }
        if let text { output.write(Data(text.utf8)) }
    }

    static func line(_ resource: SyncResource, _ row: (mode: String, written: Int, done: String?)) -> String {
        let name = resource.rawValue.padding(toLength: 16, withPad: " ", startingAt: 0)
        return "\(name) \(row.mode.padding(toLength: 11, withPad: " ", startingAt: 0)) \(row.written) rows" + (row.done.map { ", \($0)" } ?? "")
    }
}
