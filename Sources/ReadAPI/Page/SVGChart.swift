import Foundation

/// Charts drawn by the server as inline SVG: no script and no external file, styled through classes and presentation
/// attributes (the page's Content-Security-Policy forbids inline styles). Each chart is `role="img"` with a title and
/// a description that says in words what it shows; the page puts the numbers in a table beside it.
struct SVGChart {
    /// One series: its name, its CSS class (the colour) and a value per category (nil: no value, e.g. no median).
    struct Series {
        var name: String
        var cssClass: String
        var values: [Double?]
    }

    /// A chart's id (for its title and description), the category labels along x, and the series.
    var id: String
    var title: String
    var description: String
    var categories: [String]
    var series: [Series]
    /// How a value reads on the y axis and in a bar's tooltip.
    var format: (Double) -> String
    /// Whether to draw columns (counts) or a line with points (a measure over time).
    var style: Style = .columns

    enum Style { case columns, line }

    /// 720×260 units, scaled to the page's width; margins leave room for the axis labels.
    static let width = 720.0, height = 260.0, left = 64.0, right = 12.0, top = 16.0, bottom = 40.0

    var svg: HTML {
        let plotWidth = Self.width - Self.left - Self.right, plotHeight = Self.height - Self.top - Self.bottom
        let maximum = series.flatMap { $0.values.compactMap { $0 } }.max() ?? 0
        let ticks = Self.ticks(upTo: maximum)
        let top = ticks.last ?? 1
        func y(_ value: Double) -> Double { Self.top + plotHeight - plotHeight * value / max(top, 1e-9) }
        let slot = plotWidth / Double(max(categories.count, 1))

        var parts: [HTML] = []
        for tick in ticks {
            let ty = Self.round(y(tick))
            parts.append("<line class=\"grid\" x1=\"\(Self.round(Self.left))\" x2=\"\(Self.round(Self.width - Self.right))\" y1=\"\(ty)\" y2=\"\(ty)\"/>")
            parts.append("<text class=\"axis\" x=\"\(Self.round(Self.left - 6))\" y=\"\(Self.round(y(tick) + 4))\" text-anchor=\"end\">\(format(tick))</text>")
        }
        // About eight labels along x, whatever the number of categories.
        let every = max(1, Int((Double(categories.count) / 8).rounded(.up)))
        for (i, label) in categories.enumerated() where i % every == 0 {
            let x = Self.left + slot * (Double(i) + 0.5)
            parts.append("<text class=\"axis\" x=\"\(Self.round(x))\" y=\"\(Self.round(Self.height - Self.bottom + 18))\" text-anchor=\"middle\">\(label)</text>")
        }
        switch style {
        case .columns:
            let gap = slot * 0.2, barWidth = (slot - gap) / Double(max(series.count, 1))
            for (s, one) in series.enumerated() {
                for (i, value) in one.values.enumerated() {
                    guard let value, i < categories.count else { continue }
                    let x = Self.left + slot * Double(i) + gap / 2 + barWidth * Double(s)
                    let height = max(Self.top + plotHeight - y(value), value > 0 ? 1 : 0)
                    parts.append("""
                        <rect class="\(one.cssClass)" x="\(Self.round(x))" y="\(Self.round(Self.top + plotHeight - height))" \
                        width="\(Self.round(max(barWidth - 1, 1)))" height="\(Self.round(height))"><title>\(categories[i]): \(format(value)) \(one.name)</title></rect>
                        """)
                }
            }
        case .line:
            for one in series {
                let points = one.values.enumerated().compactMap { i, value in
                    value.map { (x: Self.left + slot * (Double(i) + 0.5), y: y($0), value: $0, label: categories[i]) }
                }
                if points.count > 1 {
                    let path = points.map { "\(Self.round($0.x)),\(Self.round($0.y))" }.joined(separator: " ")
                    parts.append("<polyline class=\"\(one.cssClass) line\" fill=\"none\" points=\"\(path)\"/>")
                }
                for point in points {
                    parts.append("<circle class=\"\(one.cssClass)\" cx=\"\(Self.round(point.x))\" cy=\"\(Self.round(point.y))\" r=\"4\"><title>\(point.label): \(format(point.value)) \(one.name)</title></circle>")
                }
            }
        }
        parts.append("<line class=\"baseline\" x1=\"\(Self.round(Self.left))\" x2=\"\(Self.round(Self.width - Self.right))\" y1=\"\(Self.round(Self.top + plotHeight))\" y2=\"\(Self.round(Self.top + plotHeight))\"/>")
        return """
            <svg class="chart" viewBox="0 0 \(Int(Self.width)) \(Int(Self.height))" role="img" aria-labelledby="\(id)-title \(id)-desc" \
            xmlns="http://www.w3.org/2000/svg"><title id="\(id)-title">\(title)</title><desc id="\(id)-desc">\(description)</desc>\(parts)</svg>
            """
    }

    /// Up to five round y ticks (1, 2 or 5 times a power of ten) from 0 covering `maximum`.
    static func ticks(upTo maximum: Double) -> [Double] {
        guard maximum > 0 else { return [0, 1] }
        let rough = maximum / 4
        let power = pow(10, floor(log10(rough)))
        let step = [1.0, 2, 5, 10].map { $0 * power }.first { $0 >= rough } ?? 10 * power
        return (0...Int((maximum / step).rounded(.up))).map { Double($0) * step }
    }

    /// Coordinates to a tenth of a unit: shorter markup, no visible difference.
    static func round(_ x: Double) -> String {
        let r = (x * 10).rounded() / 10
        return r == r.rounded() ? String(Int(r)) : String(r)
    }
}
