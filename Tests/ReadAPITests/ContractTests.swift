import Foundation
import HTTPTypes
import Hummingbird
import MirrorStore
import ReadAPI
import TestSupport
import Testing

@Suite struct ContractTests {
    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    static func committedDocument() throws -> String {
        try String(contentsOf: repositoryRoot.appendingPathComponent("openapi.yaml"), encoding: .utf8)
    }

    /// Path keys of the committed openapi.yaml (lines `  /path:` under `paths:`).
    static func documentedPaths() throws -> Set<String> {
        Set(try committedDocument().split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("  /"), line.hasSuffix(":"), !line.hasPrefix("   ") else { return nil }
            return String(line.dropFirst(2).dropLast())
        })
    }

    @Test(arguments: TestEngine.all)
    func everyServedRouteIsInOpenAPIYAML(engine: TestEngine) async throws {
        let mirror = try await sharedMirror(engine)
        let router = mirror.router()
        let served = Set(router.routes.map { route in
            route.path.description.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }
                .reduce("") { $0 + "/" + $1 }
        }.map { $0.isEmpty ? "/" : $0 })
        let documented = try Self.documentedPaths()
        #expect(served.count > 50)
        #expect(served.subtracting(documented).isEmpty, "served but not documented: \(served.subtracting(documented).sorted())")
        #expect(documented.subtracting(served).isEmpty, "documented but not served: \(documented.subtracting(served).sorted())")
    }

    @Test func openAPIYAMLIsTheGeneratorsOutput() throws {
        #expect(try Self.committedDocument() == OpenAPIDocument.yaml, "run: swift run intercache openapi > openapi.yaml")
    }

    @Test(arguments: TestEngine.all)
    func theServerServesTheSameDocument(engine: TestEngine) async throws {
        let mirror = try await sharedMirror(engine)
        try await mirror.withAPI { client in
            let (status, text, _) = try await client.getText("/openapi.yaml")
            #expect(status == .ok)
            #expect(text == OpenAPIDocument.yaml)
        }
    }
}
