/// Charts drawn by the server as inline SVG: no script, nothing loaded. Every label is a
/// number or a word of the console's own, escaped anyway.
enum SVGChart {
    /// A histogram of `counts` over [low, high) with a line at `threshold`.
    static func histogram(title: String, counts: [Int], low: Double, high: Double, threshold: Double) -> String {
        let width = 420.0, height = 160.0, left = 36.0, bottom = 24.0
        let plotW = width - left - 8, plotH = height - bottom - 18
        let top = Double(max(counts.max() ?? 0, 1))
        let barW = plotW / Double(max(counts.count, 1))
        var out = ##"<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 \##(Int(width)) \##(Int(height))" width="\##(Int(width))" height="\##(Int(height))">"##
        out += "<title>\(escape(title))</title>"
        out += ##"<text x="\##(left)" y="12" font-size="11">\##(escape(title)) (max \##(Int(top)) per bar)</text>"##
        for (i, n) in counts.enumerated() {
            let h = plotH * Double(n) / top
            let x = left + Double(i) * barW
            out += ##"<rect x="\##(fmt(x + 1))" y="\##(fmt(height - bottom - h))" width="\##(fmt(max(barW - 2, 1)))" height="\##(fmt(h))" fill="#5b7fa6"><title>\##(n)</title></rect>"##
        }
        out += ##"<line x1="\##(left)" y1="\##(fmt(height - bottom))" x2="\##(fmt(left + plotW))" y2="\##(fmt(height - bottom))" stroke="#333"/>"##
        for (value, anchor) in [(low, "start"), (high, "end")] {
            let x = left + plotW * (value - low) / (high - low)
            out += ##"<text x="\##(fmt(x))" y="\##(fmt(height - 8))" font-size="10" text-anchor="\##(anchor)">\##(label(value))</text>"##
        }
        let tx = left + plotW * min(max((threshold - low) / (high - low), 0), 1)
        out += ##"<line x1="\##(fmt(tx))" y1="16" x2="\##(fmt(tx))" y2="\##(fmt(height - bottom))" stroke="#c62828" stroke-width="2" stroke-dasharray="4 2"/>"##
        out += ##"<text x="\##(fmt(tx + 3))" y="26" font-size="10" fill="#c62828">threshold \##(label(threshold))</text>"##
        return out + "</svg>"
    }

    /// Stacked bars per day: `days` in order, each with its count per decision.
    static func daily(days: [(day: String, counts: [String: Int])]) -> String {
        let colors = ["approved": "#66bb6a", "rejected": "#ef5350", "review": "#ffa726", "error": "#90a4ae"]
        let width = 760.0, height = 180.0, left = 36.0, bottom = 28.0
        let plotW = width - left - 8, plotH = height - bottom - 18
        let top = Double(max(days.map { $0.counts.values.reduce(0, +) }.max() ?? 0, 1))
        let barW = min(plotW / Double(max(days.count, 1)), 40)
        var out = ##"<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 \##(Int(width)) \##(Int(height))" width="\##(Int(width))" height="\##(Int(height))">"##
        out += "<title>Decisions per day</title>"
        out += ##"<text x="\##(left)" y="12" font-size="11">Decisions per day (max \##(Int(top)))</text>"##
        for (i, day) in days.enumerated() {
            var y = height - bottom
            for decision in ["approved", "rejected", "review", "error"] {
                let n = day.counts[decision] ?? 0
                guard n > 0 else { continue }
                let h = plotH * Double(n) / top
                y -= h
                out += ##"<rect x="\##(fmt(left + Double(i) * barW + 1))" y="\##(fmt(y))" width="\##(fmt(max(barW - 2, 1)))" height="\##(fmt(h))" fill="\##(colors[decision]!)"><title>\##(escape(day.day)) \##(decision): \##(n)</title></rect>"##
            }
            if days.count <= 16 || i % max(days.count / 8, 1) == 0 {
                out += ##"<text x="\##(fmt(left + Double(i) * barW + 1))" y="\##(fmt(height - 10))" font-size="9">\##(escape(String(day.day.suffix(5))))</text>"##
            }
        }
        var x = left + plotW - 300
        for decision in ["approved", "rejected", "review", "error"] {
            out += ##"<rect x="\##(fmt(x))" y="4" width="10" height="10" fill="\##(colors[decision]!)"/><text x="\##(fmt(x + 13))" y="13" font-size="10">\##(decision)</text>"##
            x += 72
        }
        return out + "</svg>"
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    private static func fmt(_ v: Double) -> String { String(format: "%.1f", v) }
    private static func label(_ v: Double) -> String { v == v.rounded() ? String(Int(v)) : String(v) }
}
