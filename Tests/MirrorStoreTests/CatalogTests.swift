import Foundation
import MirrorStore
import Testing

/// The catalog's cross-table lists name only tables and columns the catalog has: a rename that misses one fails here,
/// not as a delete that silently leaves orphans.
@Suite struct CatalogTests {
    func column(_ table: String, _ column: String) -> Bool {
        Catalog.tables.first { $0.name == table }?.columns.contains { $0.name == column } == true
    }

    @Test func dependentsAndReferencesNameCatalogColumns() {
        for (owner, dependents) in Catalog.dependents {
            #expect(Catalog.tables.contains { $0.name == owner }, "\(owner)")
            for (table, name) in dependents { #expect(column(table, name), "\(owner) → \(table).\(name)") }
        }
        for (table, name) in Catalog.contactReferences { #expect(column(table, name), "\(table).\(name)") }
    }

    @Test func childrenNameTheirTablesAndOwnerColumns() {
        for table in Catalog.tables {
            for child in table.children { #expect(column(child.table, child.ownerColumn), "\(table.name) → \(child.table).\(child.ownerColumn)") }
        }
    }

    @Test func onlyObjectColumnsAreKeyed() {
        let keyed = Catalog.tables.flatMap { table in table.columns.filter(\.keyed).map { "\(table.name).\($0.name)" } }
        #expect(keyed.sorted() == ["companies.custom_attributes", "contacts.custom_attributes", "conversations.custom_attributes",
                                 "tickets.ticket_attributes"])
    }

    @Test func relationsNameCatalogResourcesAndColumns() {
        for relation in Catalog.relations {
            let child = ReadResource.named(relation.child)
            for parent in relation.parents { #expect(ReadResource.all.contains { $0.name == parent }, "\(parent)") }
            switch relation.path {
            case let .column(name): #expect(column(child.table.name, name), "\(child.name).\(name)")
            case let .links(hops):
                #expect(!hops.isEmpty)
                for hop in hops {
                    #expect(column(hop.table, hop.from), "\(hop.table).\(hop.from)")
                    #expect(column(hop.table, hop.to), "\(hop.table).\(hop.to)")
                }
            }
        }
    }

    @Test func dashboardSearchTruncationAndViewsNameCatalogColumns() {
        for count in Catalog.dashboard {
            #expect(Catalog.tables.contains { $0.name == count.table }, "\(count.path)")
            if let group = count.groupBy { #expect(column(count.table, group), "\(count.table).\(group)") }
            if let filter = count.filter { #expect(column(count.table, filter.column), "\(count.table).\(filter.column)") }
        }
        for source in Catalog.searchSources {
            for name in source.text + [source.conversationID, source.contactID].compactMap({ $0 }) {
                #expect(column(source.table, name), "\(source.kind): \(source.table).\(name)")
            }
        }
        let t = Catalog.partsTruncation
        #expect(column(t.table, t.flag) && column(t.table, t.total) && column(t.parts, t.owner))
        let views = Catalog.seedViews
        #expect(column(views.table, views.roleColumn))
        for link in views.links {
            for name in [link.owner] + link.columns { #expect(column(link.table, name), "\(link.table).\(name)") }
            if let lookup = link.lookup {
                #expect(column(link.table, lookup.key))
                for (name, _) in lookup.columns { #expect(column(lookup.table, name), "\(lookup.table).\(name)") }
            }
        }
        for resource in ReadResource.all {
            for embed in resource.embeds {
                switch embed {
                case let .ids(_, table, owner, name): #expect(column(table, owner) && column(table, name), "\(table)")
                case let .rows(_, child, owner, order):
                    let table = ReadResource.named(child).table.name
                    #expect(column(table, owner) && column(table, order), "\(table)")
                }
            }
        }
    }

    /// The store boundary: the sync and the read API hold no SQL and no database import, and name tables only
    /// through the catalog. A statement or a table looked up by a string outside MirrorStore fails here.
    @Test func onlyTheStoreHoldsSQLAndTableNames() throws {
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources")
        let sql = try NSRegularExpression(pattern: #"\b(SELECT|INSERT INTO|UPDATE \S+ SET|DELETE FROM|CREATE (TABLE|INDEX|VIEW))\b"#)
        let tables = Catalog.tables.map(\.name).joined(separator: "|")
        let statementName = try NSRegularExpression(pattern: "\\b(FROM|JOIN|INTO|UPDATE)\\s+\"?(\(tables))\\b")
        var offenders: [String] = []
        for target in ["Sync", "ReadAPI", "Serving"] {
            let folder = sources.appendingPathComponent(target)
            let files = FileManager.default.enumerator(atPath: folder.path)?.compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") } ?? []
            #expect(!files.isEmpty, "\(folder.path)")
            for file in files {
                let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
                let range = NSRange(text.startIndex..., in: text)
                if text.contains("import GRDB") { offenders.append("\(target)/\(file): imports GRDB") }
                if text.contains("Catalog.table(\"") { offenders.append("\(target)/\(file): looks a table up by a string") }
                if sql.firstMatch(in: text, range: range) != nil { offenders.append("\(target)/\(file): holds SQL") }
                if statementName.firstMatch(in: text, range: range) != nil { offenders.append("\(target)/\(file): names a table in SQL") }
            }
        }
        #expect(offenders.isEmpty, "\(offenders)")
    }
}
