/// The page's stylesheet: readable from 320 px phones to desktops, tables scroll sideways inside their own box,
/// status shown by colour and by symbol and word, and colours with contrast of at least 4.5:1 on their background.
enum PageStylesheet {
    static let text = """
        :root { --fg: #1f2328; --muted: #57606a; --line: #d0d7de; --bg: #ffffff; --panel: #f6f8fa; --link: #0b5cad;
          --ok: #116329; --ok-bg: #dafbe1; --warn: #7d4e00; --warn-bg: #fff8c5; --bad: #a40e26; --bad-bg: #ffebe9;
          --new: #0969da; --closed: #8250df; --median: #bf3989; color-scheme: light; }
        *, *::before, *::after { box-sizing: border-box; }
        html { -webkit-text-size-adjust: 100%; }
        body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--fg); background: var(--bg); }
        a { color: var(--link); }
        a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible { outline: 3px solid #0969da; outline-offset: 2px; }
        code { font: 0.85em/1.4 ui-monospace, "DejaVu Sans Mono", monospace; }
        header.top { display: flex; flex-wrap: wrap; gap: 0.5rem 2rem; align-items: center; justify-content: space-between;
          padding: 0.75rem clamp(0.75rem, 3vw, 2rem); border-bottom: 1px solid var(--line); background: var(--panel); }
        header.top h1 { margin: 0; font-size: 1.35rem; }
        .subtitle { margin: 0; color: var(--muted); }
        nav ul { display: flex; flex-wrap: wrap; gap: 0.25rem 1rem; margin: 0; padding: 0; list-style: none; }
        .refresh { margin: 0; color: var(--muted); }
        main { max-width: 1200px; margin: 0 auto; padding: 0 clamp(0.75rem, 3vw, 2rem) 2rem; }
        section { margin-top: 1.5rem; }
        h2 { font-size: 1.25rem; margin: 1.5rem 0 0.5rem; padding-bottom: 0.25rem; border-bottom: 1px solid var(--line); }
        h3 { font-size: 1.05rem; margin: 1.25rem 0 0.5rem; }
        .banner { padding: 0.6rem 0.9rem; border-radius: 6px; border: 1px solid; margin: 0.5rem 0 1rem; }
        .banner p { margin: 0; }
        .banner ul { margin: 0.25rem 0 0; padding-left: 1.25rem; }
        .banner.good { color: var(--ok); background: var(--ok-bg); border-color: #4ac26b; }
        .banner.bad { color: var(--bad); background: var(--bad-bg); border-color: #ff8182; }
        .badge { display: inline-block; padding: 0 0.45rem; border-radius: 999px; font-size: 0.85em; font-weight: 600; white-space: nowrap; border: 1px solid; }
        .badge.ok { color: var(--ok); background: var(--ok-bg); border-color: #4ac26b; }
        .badge.warn { color: var(--warn); background: var(--warn-bg); border-color: #d4a72c; }
        .badge.bad { color: var(--bad); background: var(--bad-bg); border-color: #ff8182; }
        .badge.none { color: var(--muted); background: var(--panel); border-color: var(--line); }
        tr.row-problem th, tr.row-problem td { background: var(--warn-bg); }
        .table-wrap { overflow-x: auto; margin: 0.5rem 0 1rem; }
        table { border-collapse: collapse; width: 100%; font-size: 0.92rem; }
        caption { text-align: left; font-weight: 600; padding: 0.25rem 0; caption-side: top; }
        caption .source, figcaption .source { font-weight: normal; margin-left: 0.5rem; }
        .source { overflow-wrap: anywhere; word-break: break-all; }
        figure { margin-left: 0; margin-right: 0; }
        th, td { padding: 0.3rem 0.5rem; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
        thead th { background: var(--panel); white-space: nowrap; }
        tbody th { font-weight: 500; }
        .n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
        .id { color: var(--muted); font-size: 0.8em; }
        .none { color: var(--muted); }
        .num { text-decoration: none; border-bottom: 1px dotted var(--link); }
        .num:hover { border-bottom-style: solid; }
        .cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(9.5rem, 1fr)); gap: 0.75rem; padding: 0; margin: 0.5rem 0 1rem; list-style: none; }
        .card { border: 1px solid var(--line); border-radius: 8px; padding: 0.6rem 0.8rem; background: var(--panel); }
        .card-label { display: block; color: var(--muted); font-size: 0.85rem; }
        .card .num { font-size: 1.6rem; font-weight: 650; font-variant-numeric: tabular-nums; }
        .columns { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 26rem), 1fr)); gap: 0 1.5rem; }
        .bar-cell { width: 40%; }
        meter { width: 100%; height: 0.8rem; }
        .chart-figure { margin: 1rem 0 1.5rem; }
        .chart-figure figcaption p { margin: 0.25rem 0; color: var(--muted); }
        .chart-scroll { overflow-x: auto; }
        svg.chart { display: block; width: 100%; min-width: 520px; height: auto; }
        svg.chart .grid { stroke: #eaeef2; stroke-width: 1; }
        svg.chart .baseline { stroke: var(--muted); stroke-width: 1; }
        svg.chart .axis { fill: var(--muted); font-size: 12px; }
        .s-new { fill: var(--new); stroke: var(--new); }
        .s-closed { fill: var(--closed); stroke: var(--closed); }
        .s-median { fill: var(--median); stroke: var(--median); }
        svg.chart rect { stroke: none; }
        svg.chart .line { fill: none; stroke-width: 2.5; }
        .key { font-weight: 600; }
        .key::before { content: ""; display: inline-block; width: 0.7em; height: 0.7em; margin-right: 0.25em; border-radius: 2px; background: currentColor; }
        .key.s-new { color: var(--new); }
        .key.s-closed { color: var(--closed); }
        details { margin: 0.25rem 0; }
        summary { cursor: pointer; color: var(--link); }
        form.window, form[role=search] { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: center; margin: 1rem 0 0.5rem; }
        form[role=search] label { flex-basis: 100%; }
        input[type=search] { flex: 1 1 14rem; min-width: 0; padding: 0.4rem 0.6rem; font: inherit; border: 1px solid #8c959f; border-radius: 6px; }
        select, button { font: inherit; padding: 0.35rem 0.7rem; border: 1px solid #8c959f; border-radius: 6px; background: var(--bg); color: var(--fg); }
        button { background: var(--link); border-color: var(--link); color: #fff; cursor: pointer; }
        .facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.35rem 1rem; margin: 0.5rem 0; }
        .facts dt { font-weight: 600; }
        .facts dd { margin: 0; }
        .hits { padding-left: 1.5rem; }
        .hits li { margin: 0.5rem 0; }
        .kind { display: inline-block; font-size: 0.8em; color: var(--muted); border: 1px solid var(--line); border-radius: 4px; padding: 0 0.3rem; }
        mark { background: #fff1a8; color: inherit; padding: 0 0.1em; }
        .hit-links { white-space: nowrap; font-size: 0.9em; }
        footer { border-top: 1px solid var(--line); color: var(--muted); padding: 0.75rem clamp(0.75rem, 3vw, 2rem); font-size: 0.9rem; }
        .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
        [hidden] { display: none !important; }
        @media (max-width: 600px) {
          body { font-size: 14px; }
          .facts { grid-template-columns: 1fr; }
          .facts dd { margin-bottom: 0.4rem; }
          .bar-cell { display: none; }
        }
        """
}
