/// The page's stylesheet, script and icon, compiled into the binary: no CDN and no build step, so the page works
/// in a container with no network. Their ETags are content hashes like the page's.
struct PageAsset: Sendable {
    let path: String
    let type: String
    let body: String
}

enum PageAssets {
    static let stylesheet = PageAsset(path: "/assets/intercache.css", type: "text/css; charset=utf-8", body: PageStylesheet.text)
    static let script = PageAsset(path: "/assets/intercache.js", type: "text/javascript; charset=utf-8", body: PageScript.text)
    static let icon = PageAsset(path: "/assets/icon.svg", type: "image/svg+xml", body: """
        <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#0b5cad"/>\
        <path d="M8 22V10h4v12zm6 0V14h4v8zm6 0V7h4v15z" fill="#fff"/></svg>
        """)
    static var all: [PageAsset] { [stylesheet, script, icon] }
}

/// The page's script: niceties only (times in the reader's zone, how long ago or until, an opt-in refresh every 30 s
/// that swaps the page's main element); without it the page is complete.
enum PageScript {
    static let text = #"""
        "use strict";
        (function () {
          function localize(root) {
            root.querySelectorAll("time[datetime]").forEach(function (t) {
              var d = new Date(t.getAttribute("datetime"));
              if (isNaN(d.getTime())) return;
              t.title = t.textContent + " (" + relative(d) + ")";
              t.textContent = d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
            });
          }
          function relative(d) {
            var s = Math.round((d.getTime() - Date.now()) / 1000), a = Math.abs(s), text;
            if (a < 60) text = a + " s";
            else if (a < 3600) text = Math.round(a / 60) + " min";
            else if (a < 172800) text = Math.round(a / 3600) + " h";
            else text = Math.round(a / 86400) + " d";
            return s >= 0 ? "in " + text : text + " ago";
          }
          function stored() { try { return window.localStorage.getItem("intercache-refresh") === "on"; } catch (e) { return false; } }
          function store(on) { try { window.localStorage.setItem("intercache-refresh", on ? "on" : "off"); } catch (e) { /* private mode */ } }
          function refresh(box) {
            if (!box.checked || document.hidden) return;
            fetch(window.location.href, { cache: "no-cache", credentials: "same-origin" }).then(function (r) {
              return r.ok ? r.text() : null;
            }).then(function (html) {
              if (!html) return;
              var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("main");
              var current = document.getElementById("main");
              if (fresh && current) { current.replaceWith(document.adoptNode(fresh)); localize(document); }
            }).catch(function () { /* offline for a moment: the next tick tries again */ });
          }
          document.addEventListener("DOMContentLoaded", function () {
            localize(document);
            var control = document.getElementById("refresh-control"), box = document.getElementById("auto-refresh");
            if (!control || !box) return;
            control.hidden = false;
            box.checked = stored();
            box.addEventListener("change", function () { store(box.checked); });
            window.setInterval(function () { refresh(box); }, 30000);
          });
        })();
        """#
}
