"""The console's page frame: one stylesheet and a few lines of script, inline (no CDN, nothing fetched)."""

from __future__ import annotations

from html import escape

STYLE = """
:root { --ink:#1d2433; --muted:#667085; --line:#e4e7ec; --bg:#f7f8fa; --card:#fff;
  --ok:#2e9e6a; --okbg:#d9f2e6; --rather:#c98a06; --ratherbg:#fdf0cc; --no:#b42318; --nobg:#fde3e1;
  --shift:#2f5bd3; --shiftbg:#dfe7fd; --warn:#b54708; }
* { box-sizing:border-box; }
body { margin:0; font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif; color:var(--ink); background:var(--bg); }
header.top { display:flex; align-items:center; gap:16px; padding:12px 24px; background:#101828; color:#fff; }
header.top a { color:#fff; text-decoration:none; font-weight:600; }
header.top form { margin-left:auto; display:flex; gap:6px; }
header.top input { padding:5px 8px; border-radius:6px; border:1px solid #475467; background:#1d2939; color:#fff; width:16em; }
main { padding:20px 24px 40px; max-width:1280px; margin:0 auto; }
h1 { font-size:20px; margin:0 0 4px; } h2 { font-size:16px; margin:28px 0 10px; }
.sub { color:var(--muted); margin-bottom:14px; }
.bar { display:flex; flex-wrap:wrap; align-items:center; gap:10px; background:var(--card); border:1px solid var(--line);
  border-radius:10px; padding:10px 14px; margin-bottom:16px; }
.bar a.btn, .bar button { border:1px solid var(--line); background:#fff; border-radius:6px; padding:5px 10px; color:var(--ink);
  text-decoration:none; cursor:pointer; font:inherit; }
.bar a.btn:hover { background:var(--bg); }
.bar .asof { margin-left:auto; display:flex; align-items:center; gap:8px; }
.bar input[type=range] { width:220px; }
.pill { display:inline-block; padding:1px 8px; border-radius:999px; font-size:12px; font-weight:600; }
.pill.error { background:var(--nobg); color:var(--no); } .pill.warning { background:var(--ratherbg); color:var(--warn); }
.pill.past { background:#e0eaff; color:#2f3fa8; }
.board { display:grid; grid-template-columns:52px repeat(7, 1fr); background:var(--card); border:1px solid var(--line);
  border-radius:10px; overflow:hidden; }
.board .head { padding:8px 6px; text-align:center; font-weight:600; border-bottom:1px solid var(--line); background:#fcfcfd; }
.board .head small { display:block; color:var(--muted); font-weight:400; }
.hours, .day { position:relative; height:624px; border-left:1px solid var(--line); }
.hours { border-left:0; }
.hours span { position:absolute; right:6px; font-size:11px; color:var(--muted); transform:translateY(-50%); }
.day { background-image:linear-gradient(var(--line) 1px, transparent 1px); background-size:100% 26px; }
.band { position:absolute; left:4px; width:30%; border-radius:4px; }
.band.Available { background:var(--okbg); border-left:3px solid var(--ok); }
.band.RatherNot { background:var(--ratherbg); border-left:3px solid var(--rather); }
.band.NotAvailable { background:repeating-linear-gradient(45deg,var(--nobg),var(--nobg) 5px,#fff 5px,#fff 9px); border-left:3px solid var(--no); }
.shift { position:absolute; left:36%; right:4px; background:var(--shiftbg); border:1px solid #b6c8fb; border-left:4px solid var(--shift);
  border-radius:6px; padding:3px 6px; font-size:12px; overflow:hidden; color:#1a3a8f; text-decoration:none; }
.shift b { display:block; }
.shift .brk { position:absolute; left:0; right:0; background:rgba(47,91,211,.18); }
.conflict { position:absolute; left:1px; right:1px; border:2px solid var(--no); border-radius:6px; background:rgba(180,35,24,.10);
  z-index:2; }
.conflict.warning { border-color:var(--rather); background:rgba(201,138,6,.10); }
.conflict i { position:absolute; top:-9px; right:-2px; background:var(--no); color:#fff; border-radius:999px; font-style:normal;
  font-size:11px; font-weight:700; padding:0 6px; }
.conflict.warning i { background:var(--rather); }
.legend { display:flex; gap:16px; color:var(--muted); margin:10px 2px; font-size:12px; }
.legend span::before { content:""; display:inline-block; width:10px; height:10px; border-radius:2px; margin-right:5px; vertical-align:-1px; }
.legend .l-ok::before { background:var(--ok); } .legend .l-rather::before { background:var(--rather); }
.legend .l-no::before { background:var(--no); } .legend .l-shift::before { background:var(--shift); }
.legend .l-conflict::before { border:2px solid var(--no); background:transparent; }
table { width:100%; border-collapse:collapse; background:var(--card); border:1px solid var(--line); border-radius:10px; overflow:hidden; }
th, td { text-align:left; padding:8px 10px; border-bottom:1px solid var(--line); vertical-align:top; }
th { background:#fcfcfd; font-weight:600; color:var(--muted); font-size:12px; text-transform:uppercase; letter-spacing:.03em; }
td code, .mono { font-family:ui-monospace,SFMono-Regular,Menlo,monospace; font-size:12px; }
.empty { color:var(--muted); padding:14px; background:var(--card); border:1px dashed var(--line); border-radius:10px; }
.timeline { list-style:none; margin:0; padding:0 0 0 18px; border-left:2px solid var(--line); }
.timeline li { position:relative; background:var(--card); border:1px solid var(--line); border-radius:10px; padding:10px 14px; margin:0 0 12px 10px; }
.timeline li::before { content:""; position:absolute; left:-26px; top:14px; width:12px; height:12px; border-radius:50%;
  background:var(--shift); border:2px solid #fff; box-shadow:0 0 0 2px var(--shift); }
.timeline li.Cancelled::before { background:var(--no); box-shadow:0 0 0 2px var(--no); }
.timeline .meta { color:var(--muted); font-size:12px; }
.diff { margin:6px 0 0; padding:0; list-style:none; }
.diff li { border:0; padding:1px 0; margin:0; background:none; } .diff li::before { display:none; }
.diff .old { color:var(--no); text-decoration:line-through; } .diff .new { color:var(--ok); }
pre.state { background:#101828; color:#e4e7ec; padding:14px; border-radius:10px; overflow:auto; max-height:520px; font-size:12px; }
.cols { display:grid; grid-template-columns:minmax(0,1fr) minmax(0,1fr); gap:20px; }
a { color:var(--shift); }
"""

SCRIPT = """
document.querySelectorAll('input[data-submit]').forEach(function (input) {
  input.addEventListener('change', function () { input.form.submit(); });
});
document.querySelectorAll('input[type=range][data-moments]').forEach(function (range) {
  var moments = JSON.parse(range.dataset.moments), label = document.getElementById(range.dataset.label);
  function show() { label.textContent = range.value == moments.length ? 'now' : moments[range.value]; }
  range.addEventListener('input', show);
  range.addEventListener('change', function () {
    var url = new URL(window.location.href);
    if (range.value == moments.length) { url.searchParams.delete('asOf'); } else { url.searchParams.set('asOf', moments[range.value]); }
    window.location.href = url.toString();
  });
  show();
});
"""


def page(title: str, body: str) -> str:
    """A whole HTML document around ``body`` (already escaped HTML)."""
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)} · setu-planning console</title><style>{STYLE}</style></head><body>"
        '<header class=top><a href="/">setu-planning console</a>'
        '<form action="/workers" method=get><input name=hrId placeholder="worker id (hrId)" aria-label="worker id"></form>'
        '<form action="/resources" method=get><input name=id placeholder="resource id" aria-label="resource id"></form>'
        f"</header><main>{body}</main><script>{SCRIPT}</script></body></html>"
    )
