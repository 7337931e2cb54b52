"""An SVG export (a file or a slide) fetches nothing: no font or image from the network, only installed fonts."""

import io
import re

from dropout_trace.output import svg_of
from dropout_trace.render import make_console, render_trace
from test_snapshots import recorded


def test_an_svg_names_no_address_to_fetch():
    console = make_console(io.StringIO(), width=100, color=True, record=True)
    render_trace(recorded("keras_none4"), console)
    svg = svg_of(console, "dropout-trace", None, "dropout-trace")
    assert not re.search(r'url\(\s*["\']?(?:https?:)?//', svg)  # rich's own template asks a CDN for Fira Code
    assert 'local("FiraCode-Regular")' in svg and "<text" in svg
