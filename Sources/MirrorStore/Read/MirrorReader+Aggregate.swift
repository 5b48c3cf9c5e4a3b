extension MirrorReader {
    /// The aggregate's rows: the matching items' fields read in one snapshot, then bucketed, grouped and measured.
    /// Reads past the budget like any query; the buckets and measures are computed after the read.
    public func aggregate(_ plan: AggregatePlan) async throws -> [AggregateRow] {
        let list = plan.list
        let conditions = list.conditions
        let select = plan.fields.map { ListPlan.expression($0).sql }.joined(separator: ", ")
        let arguments = plan.fields.flatMap { ListPlan.expression($0).arguments } + conditions.arguments
        let sql = SQLFragment("SELECT \(select.isEmpty ? "1" : select) FROM \(list.table) t WHERE \(conditions.sql)", arguments)
        let parent = list.parent
        let rows = try await timed { db in
            try Self.requireParent(parent, db)
            return try db.rows(sql)
        }
        return Aggregator.aggregate(plan, rows: rows)
    }
}
