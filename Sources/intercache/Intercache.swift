import IntercomAPI
import ArgumentParser

/// The `intercache` command: a fast, always-fresh SQLite mirror of an Intercom workspace.
@main
struct Intercache: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "intercache",
        abstract: "Keep a normalized SQLite mirror of an Intercom workspace and serve it as a JSON read API.",
        subcommands: [Demo.self, Simulate.self, SyncCommand.self, Serve.self, OpenAPICommand.self]
    )
}
