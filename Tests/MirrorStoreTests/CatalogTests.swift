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
        #expect(keyed.sorted() == ["companies.custom_attributes", "contacts.custom_attributes", "conversations.custom_attributes"])
    }
}
