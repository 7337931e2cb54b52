"""The handout's page around its sections: the style (a palette per colour scheme), the stepper's script, and
a Content-Security-Policy that lets nothing be fetched: the page works with the network off, and says so."""

from __future__ import annotations

import base64
import hashlib
from html import escape

# Each hue meets 4.5:1 (WCAG AA) against its own background and against the code background
# (tests/unit/test_handout_pure.py measures it).
PALETTES = {
    "light": {"bg": "#ffffff", "fg": "#1f2328", "d": "#57606a", "g": "#116329", "r": "#b42318", "c": "#0550ae",
              "y": "#7a4b00", "m": "#7b2fbf", "line": "#d0d7de", "code": "#eef1f4", "tipbg": "#1f2328",
              "tipfg": "#ffffff", "cbar": "#1f5c99", "cmark": "#a33c00"},
    "dark": {"bg": "#0d1117", "fg": "#e6edf3", "d": "#9ba6b2", "g": "#56d364", "r": "#ff7b72", "c": "#79c0ff",
             "y": "#e3b341", "m": "#d2a8ff", "line": "#30363d", "code": "#1c2129", "tipbg": "#e6edf3",
             "tipfg": "#0d1117", "cbar": "#7ab3ef", "cmark": "#f2a65a"},
}


def _vars(scheme: str) -> str:
    return ";".join(f"--{name}:{value}" for name, value in PALETTES[scheme].items())


# The scheme: data-theme (from --theme, or the page's light/dark button) first; else a notebook's own theme
# (JupyterLab, VS Code); else the reader's prefers-color-scheme. Printing is always light.
CSS = f""".dt{{{_vars("light")};background:var(--bg);color:var(--fg);margin:0;padding:0 1rem 1rem;
font:14px/1.4 ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,"Liberation Mono",monospace}}
@media (prefers-color-scheme:dark){{.dt:not([data-theme=light]){{{_vars("dark")}}}}}
.dt[data-theme=dark],body[data-jp-theme-light=false] .dt:not([data-theme=light]),
body.vscode-dark .dt:not([data-theme=light]){{{_vars("dark")}}}
body[data-jp-theme-light=true] .dt:not([data-theme=dark]),body.vscode-light .dt:not([data-theme=dark]){{
{_vars("light")}}}
.dt .term{{white-space:pre;overflow-x:auto;margin:0;padding:.5rem 0}}
.dt .chart{{white-space:normal;margin:.3rem 0}}.dt .dt-chart{{max-width:100%;height:auto}}.dt .dt-chart text{{fill:currentColor;font-size:12px}}
.dt .dt-chart .dt-title{{font-weight:bold;font-size:13px}}.dt .dt-chart .dt-axis{{stroke:currentColor}}
.dt .dt-chart .dt-bar{{fill:var(--cbar)}}.dt .dt-chart .dt-mark{{stroke:var(--cmark);stroke-width:2.5}}
.dt .dt-chart .dt-key-mark{{fill:var(--cmark)}}
.dt .b{{font-weight:bold}}.dt .i{{font-style:italic}}.dt .u{{text-decoration:underline}}.dt .d{{color:var(--d)}}
.dt .g{{color:var(--g)}}.dt .r{{color:var(--r)}}.dt .c{{color:var(--c)}}.dt .y{{color:var(--y)}}
.dt .m{{color:var(--m)}}.dt .bg{{background:var(--code)}}
.dt table.grid{{display:inline-table;vertical-align:top;border-collapse:collapse;margin:0}}
.dt .grid td{{padding:0 .5ch;text-align:right;position:relative}}.dt .grid td:first-child{{padding-left:0}}
.dt .grid th{{font-weight:normal;text-align:left;padding:0;color:var(--d)}}
.dt .grid td[aria-label]{{cursor:help;border-radius:2px}}
.dt .grid td[aria-label]:hover,.dt .grid td[aria-label]:focus{{background:var(--code);outline:2px solid var(--c)}}
.dt .grid td[aria-label]:hover::after,.dt .grid td[aria-label]:focus::after{{content:attr(aria-label);
position:absolute;left:0;top:100%;z-index:2;margin-top:3px;padding:.15rem .5rem;border-radius:3px;
background:var(--tipbg);color:var(--tipfg);font-weight:normal;white-space:nowrap}}
.dt nav{{position:sticky;top:0;z-index:3;display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;
padding:.5rem 0;background:var(--bg);border-bottom:1px solid var(--line)}}
.dt nav .stepper{{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center}}
.dt button{{font:inherit;color:var(--fg);background:var(--code);border:1px solid var(--line);border-radius:4px;
padding:.1rem .6rem;cursor:pointer}}.dt button:disabled{{color:var(--d);cursor:default}}
.dt :focus-visible{{outline:2px solid var(--c);outline-offset:2px}}.dt section.step{{scroll-margin-top:3.5rem}}
.dt .where{{color:var(--d)}}html:not(.js) .dt .stepper{{display:none}}
@media print{{.dt,.dt[data-theme]{{{_vars("light")}}}.dt nav{{display:none}}
.dt section.step[hidden]{{display:block!important}}.dt .term{{white-space:pre-wrap}}}}"""

# Steps: one section shown at a time; Previous/Next and the arrow keys move; "show all" shows every one
# (as printing does). Without the script every section shows, and the stepper's controls are hidden.
SCRIPT = """(function(){var d=document,b=d.body,n=d.querySelector(".dt nav"),s=[].slice.call(d.querySelectorAll(
".dt section.step")),at=0;function q(c){return n.querySelector(c)}
q(".theme").onclick=function(){var t=b.getAttribute("data-theme")||(matchMedia("(prefers-color-scheme: dark)")
.matches?"dark":"light");b.setAttribute("data-theme",t=="dark"?"light":"dark")};if(!s.length)return;
d.documentElement.className="js";var all=q(".all"),w=q(".where");
function go(i){at=Math.max(0,Math.min(s.length-1,i));s.forEach(function(x,k){x.hidden=!all.checked&&k!=at});
w.textContent=all.checked?"all "+s.length+" steps":(at+1)+" of "+s.length+" \\u00b7 "+s[at].getAttribute(
"aria-label");q(".prev").disabled=all.checked||at==0;q(".next").disabled=all.checked||at==s.length-1;
if(!all.checked&&s[at].getBoundingClientRect().top<0)s[at].scrollIntoView()}
q(".prev").onclick=function(){go(at-1)};q(".next").onclick=function(){go(at+1)};all.onchange=function(){go(at)};
d.addEventListener("keydown",function(e){if(e.altKey||e.ctrlKey||e.metaKey||e.shiftKey||all.checked)return;
var k={ArrowRight:1,ArrowLeft:-1}[e.key];if(k){go(at+k);e.preventDefault()}});go(0)})();"""

STEPPER = ('<span class="stepper"><button type="button" class="prev" aria-keyshortcuts="ArrowLeft">'
           '\u2190 Previous</button><button type="button" class="next" aria-keyshortcuts="ArrowRight">Next '
           '\u2192</button><label><input type="checkbox" class="all" role="switch"> show all</label>'
           '<span class="where" aria-live="polite"></span></span>')


def _hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def _sections(sections: list[tuple[str | None, str]]) -> str:
    out = []
    for label, html in sections:
        if label is None:
            out.append(f'<div class="lead term">{html}</div>')
        else:
            out.append(f'<section class="step term" aria-label="{escape(label)}">{html}</section>')
    return "\n".join(out)


def fragment(sections: list[tuple[str | None, str]]) -> str:
    """The sections in their own colours, for a notebook: the style, scoped to .dt, and the content."""
    return f'<style>{CSS}</style><div class="dt">{_sections(sections)}</div>'


def page(sections: list[tuple[str | None, str]], theme: str | None, title: str) -> str:
    """A whole page: the lead, then the steps (a stepper when there are some), in `theme` until the reader
    switches; with no theme, in the reader's scheme."""
    policy = (f"default-src 'none'; style-src {_hash(CSS)}; script-src {_hash(SCRIPT)}; base-uri 'none'; "
              "form-action 'none'")
    stepper = STEPPER if any(label is not None for label, _ in sections) else ""
    scheme = f' data-theme="{theme}"' if theme else ""
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta http-equiv="Content-Security-Policy" content="{policy}">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<meta name="color-scheme" content="light dark">\n<title>{escape(title)}</title>\n'
            f'<style>{CSS}</style>\n</head>\n<body class="dt"{scheme}>\n'
            f'<nav aria-label="steps">{stepper}<button type="button" class="theme">light / dark</button></nav>\n'
            f'{_sections(sections)}\n<script>{SCRIPT}</script>\n</body>\n</html>\n')
