import IntercomAPI

/// The page's frame (head, header, navigation, window form, footer) and the small parts every section uses.
enum PageLayout {
    static func head(workspace: String?, status: JSON) -> HTML {
        let title = workspace.map { "Intercache · \($0)" } ?? "Intercache"
        let subtitle: HTML = workspace.map { "<p class=\"subtitle\">Mirror of <strong>\($0)</strong></p>" } ?? .empty
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(title)</title>
            <link rel="stylesheet" href="\(PageAssets.stylesheet.path)">
            <link rel="icon" href="\(PageAssets.icon.path)" type="image/svg+xml">
            <script src="\(PageAssets.script.path)" defer></script>
            </head>
            <body>
            <header class="top">
            <div><h1>Intercache</h1>\(subtitle)</div>
            <nav aria-label="Sections"><ul><li><a href="#health">Health</a></li><li><a href="#dashboard">Dashboard</a></li>\
            <li><a href="#search">Search</a></li><li><a href="/openapi.yaml">API</a></li></ul></nav>
            <p class="refresh" id="refresh-control" hidden><label><input type="checkbox" id="auto-refresh"> Refresh every 30 s</label></p>
            </header>
            <main id="main">

            """
    }

    /// The dashboard's window, as a form that works without script.
    static func windowForm(_ window: PageWindow) -> HTML {
        let choices = Set(PageWindow.choices + [window.days]).sorted()
        let options: [HTML] = choices.map { days in
            "<option value=\"\(days)\"\(days == window.days ? " selected" : "")>\(days == 365 ? "Last year" : "Last \(days) days")</option>"
        }
        return """
            <form class="window" method="get" action="/#dashboard">
            <label for="days">Dashboard window</label>
            <select id="days" name="days">\(options)</select>
            <button type="submit">Show</button>
            </form>

            """
    }

    static func foot(generation: Int?, lastWrite: Int?) -> HTML {
        let write: HTML = lastWrite.map { "; last write \(HealthSection.time($0))" } ?? .empty
        return """
            </main>
            <footer><p>Mirror generation \(generation.map(String.init) ?? "–")\(write). Every number links to the JSON route that \
            produced it; the whole API is described in <a href="/openapi.yaml">/openapi.yaml</a>.</p></footer>
            </body>
            </html>

            """
    }

    static func card(_ label: String, _ value: Int, url: String, metric: String) -> HTML {
        "<li class=\"card\"><span class=\"card-label\">\(label)</span> \(number(value, url: url, metric: metric))</li>"
    }

    /// A number that links to the JSON route that produced it.
    static func number(_ value: Int, url: String, metric: String, id: String? = nil) -> HTML {
        let idAttribute: HTML = id.map { " data-id=\"\($0)\"" } ?? .empty
        return "<a class=\"num\" href=\"\(url)\" data-metric=\"\(metric)\"\(idAttribute) data-value=\"\(value)\" title=\"JSON: \(url)\">\(PageFormat.number(value))</a>"
    }

    /// The route under a table or chart, for copying.
    static func source(_ url: String) -> HTML { "<a class=\"source\" href=\"\(url)\"><code>GET \(url)</code></a>" }
}
