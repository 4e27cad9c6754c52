"""Report plots: pure functions from plain data to an inline SVG string (matplotlib's SVG backend).

Why the extra work around matplotlib:

* Determinism: ``auditor report metrics.json`` must reproduce the audit's page byte for byte, so
  the hash salt is fixed, the date is left out and ids are renumbered in document order.
* Dark mode and print: ink (text, axes) and status colours are drawn with sentinel colours that
  are rewritten to ``currentColor`` and CSS variables, so the page's stylesheet decides them.
* Safety: labels come from corpus data (generation names can be anything). The SVG is parsed and
  re-serialised with ElementTree, which escapes every text node and attribute, and only known
  SVG elements are kept, so no label can close the ``<svg>`` or open a ``<script>``. Every label
  is plain text: mathtext is off (``text.parse_math`` in the rc context), so a name such as
  ``$\foo{$`` is drawn as typed instead of failing the whole report, and control characters
  (ESC, which XML forbids) are drawn as visible escapes (``\x1b``) by :func:`_text`.
* Size: coordinates are rounded to 0.01 pt and the repeated font declarations are dropped (the
  page's CSS sets the font), which makes each chart about a quarter smaller.

matplotlib is imported inside the functions, so ``import auditor`` stays fast; figures are
``Figure`` objects (no pyplot state) and rcParams are only touched under a lock.
"""

from __future__ import annotations

import io
import math
import re
import threading
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from auditor.result import format_number
from auditor.text.terminal import visible_controls

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"

# Sentinel colours, rewritten to CSS after rendering (see module docstring).
INK = "#010101"
OK = "#010102"
WATCH = "#010103"
DEGRADED = "#010104"
ACCENT = "#010105"
CSS_COLORS = {
    INK: "currentColor",
    OK: "var(--ok)",
    WATCH: "var(--watch)",
    DEGRADED: "var(--degraded)",
    ACCENT: "var(--accent)",
}
STATUS_STYLE = {"ok": (OK, "o"), "watch": (WATCH, "s"), "degraded": (DEGRADED, "X")}
"""Colour and marker per status: the shape also tells them apart without colour."""

# Later generations on a ramp of mid-luminance colours that read on white and on near-black.
RAMP = ("#2b8cd6", "#8e5fd0", "#d64f8a", "#e8743b")

RC = {
    "svg.fonttype": "none",
    "svg.hashsalt": "auditor",
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],
    "font.size": 9,
    "text.color": INK,
    "axes.edgecolor": INK,
    "axes.labelcolor": INK,
    "axes.facecolor": "none",
    "axes.linewidth": 0.8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 9,
    "xtick.color": INK,
    "ytick.color": INK,
    "xtick.labelsize": 8.5,
    "ytick.labelsize": 8.5,
    "figure.facecolor": "none",
    "legend.frameon": False,
    "legend.fontsize": 8,
    "path.simplify": True,
    "axes.formatter.useoffset": False,
    "text.parse_math": False,  # labels are data: "$x$" is text, never mathtext (which can raise)
}
KEEP_TAGS = {"svg", "g", "path", "use", "defs", "clipPath", "rect", "text", "title", "pattern", "ellipse", "circle"}
"""Everything matplotlib draws for these charts; anything else (script, foreignObject...) is dropped."""

_LOCK = threading.Lock()
_NUMBER = re.compile(r"-?\d+\.\d+")
_XML_INVALID = re.compile("[\ufffe\uffff]")
"""Characters XML 1.0 forbids that :func:`~auditor.text.terminal.visible_controls` leaves (it handles the rest)."""


@dataclass(frozen=True)
class Trend:
    """One metric over the generations: what a trend chart shows."""

    title: str
    unit: str
    names: list[str]
    values: list[float | None]
    intervals: list[tuple[float, float] | None]
    statuses: list[str]
    null: tuple[float, float, float] | None
    """Centre, low and high of the reference's split-half null."""
    projection: Projection | None = None
    """The fitted trend drawn past the last generation (dashed, with its 90% band)."""


@dataclass(frozen=True)
class Projection:
    """A trend's continuation, at x positions of the chart (generation i sits at x = i)."""

    x: list[float]
    centre: list[float | None]
    low: list[float | None]
    high: list[float | None]


@dataclass(frozen=True)
class Histogram:
    """One score over a generation's documents, binned: what a small histogram shows."""

    title: str
    """The score and its unit, e.g. "log-perplexity (nats)" (the x axis)."""
    edges: list[float]
    counts: list[int]
    median: float
    marks: list[tuple[str, float]] = field(default_factory=list)
    """Labelled thresholds drawn as dashed lines, e.g. ("typical", 4.97)."""


@dataclass(frozen=True)
class Band:
    """One rare-word band for the survival bars."""

    label: str
    values: list[float | None]
    intervals: list[tuple[float, float] | None]
    null: tuple[float, float] | None


# ---------------------------------------------------------------------------------------------
# chart types


def trend_chart(trend: Trend, key: str) -> str:
    """Value per generation with its interval band, status markers and the reference's null band."""
    with _figure(3.2, 2.15) as fig:
        ax = fig.add_subplot()
        x = list(range(len(trend.names)))
        if trend.null:
            _null_band(ax, trend.null[1], trend.null[2], trend.null[0])
        lo = [iv[0] if iv else math.nan for iv in trend.intervals]
        hi = [iv[1] if iv else math.nan for iv in trend.intervals]
        ax.fill_between(x, lo, hi, color=ACCENT, alpha=0.22, linewidth=0)
        ax.plot(x, _nan(trend.values), color=ACCENT, linewidth=1.5)
        projected: list[float | None] = []
        if trend.projection is not None:
            p = trend.projection
            ax.fill_between(p.x, _nan(p.low), _nan(p.high), color=ACCENT, alpha=0.1, linewidth=0)
            ax.plot(p.x, _nan(p.centre), color=ACCENT, linewidth=1.2, linestyle=(0, (4, 3)))
            projected = [*p.low, *p.high]
        for status, (color, marker) in STATUS_STYLE.items():
            pts = [
                (i, v) for i, v, s in zip(x, trend.values, trend.statuses, strict=True) if s == status and v is not None
            ]
            if pts:
                ax.plot(*zip(*pts, strict=True), linestyle="none", marker=marker, markersize=6, color=color)
        _generation_axis(ax, trend.names)
        ax.set_ylabel(trend.unit or "value")
        ax.margins(x=0.06)
        _flat_limits(ax, [*trend.values, *lo, *hi, *(trend.null or ()), *projected], trend.unit)
        _y_grid(ax)
        _tight(fig, pad=0.5)
        return _finish(fig, key, _trend_alt(trend))


def separability_chart(trend: Trend, chance: list[float | None], key: str) -> str:
    """Author separability per generation against its permutation chance level (dashed)."""
    with _figure(3.2, 2.15) as fig:
        ax = fig.add_subplot()
        x = list(range(len(trend.names)))
        lo = [iv[0] if iv else math.nan for iv in trend.intervals]
        hi = [iv[1] if iv else math.nan for iv in trend.intervals]
        ax.fill_between(x, lo, hi, color=ACCENT, alpha=0.22, linewidth=0)
        ax.plot(x, _nan(trend.values), color=ACCENT, linewidth=1.5, marker="o", markersize=5, label="separability")
        ax.plot(x, _nan(chance), color=INK, linewidth=1, linestyle=(0, (4, 3)), label="chance")
        _generation_axis(ax, trend.names)
        ax.set_ylabel(trend.unit or "value")
        ax.margins(x=0.06)
        ax.legend(loc="best")
        _y_grid(ax)
        _tight(fig, pad=0.4)
        chance_text = ", ".join(f"{_label(n)} {format_number(c)}" for n, c in zip(trend.names, chance, strict=True))
        return _finish(fig, key, f"{_trend_alt(trend)} Chance level: {chance_text}.")


def rank_frequency_chart(curves: dict[str, list[list[float]]], reference: str, key: str) -> str:
    """Zipf plot: relative frequency against rank, log-log, one line per generation."""
    colors = generation_colors(list(curves), reference)
    with _figure(4.4, 2.9) as fig:
        ax = fig.add_subplot()
        for name, points in curves.items():
            if points:
                ranks, freqs = zip(*points, strict=True)
                width = 1.6 if name == reference else 1.2
                ax.loglog(ranks, freqs, color=colors[name], linewidth=width, label=_text(name))
        ax.set_xlabel("rank (1 = most frequent word)")
        ax.set_ylabel("share of tokens")
        _plain_log_ticks(ax.xaxis)
        _plain_log_ticks(ax.yaxis, percent=True)
        _legend(ax, len(curves))
        _y_grid(ax)
        _tight(fig, pad=0.4)
        parts = [
            f"{_label(n)}: {format_number(p[-1][0])} ranked types, top word {_pct(p[0][1], 1)} of tokens"
            for n, p in curves.items()
            if p
        ]
        alt = "Rank-frequency (Zipf) plot, log-log, one line per generation. " + "; ".join(parts) + "."
        return _finish(fig, key, alt)


def type_curve_chart(curves: dict[str, list[list[int]]], reference: str, key: str) -> str:
    """Rarefaction: distinct types against tokens drawn, one line per generation."""
    colors = generation_colors(list(curves), reference)
    with _figure(4.4, 2.9) as fig:
        ax = fig.add_subplot()
        for name, points in curves.items():
            if points:
                tokens, types = zip(*points, strict=True)
                width = 1.6 if name == reference else 1.2
                ax.plot(tokens, types, color=colors[name], linewidth=width, label=_text(name))
        ax.set_xscale("log")
        _plain_log_ticks(ax.xaxis)
        ax.set_xlabel("tokens drawn (whole documents)")
        ax.set_ylabel("distinct word types")
        _legend(ax, len(curves))
        _y_grid(ax)
        _tight(fig, pad=0.4)
        parts = [
            f"{_label(n)} {format_number(p[-1][1])} types in {format_number(p[-1][0])} tokens"
            for n, p in curves.items()
            if p
        ]
        alt = "Rarefaction curves: word types against tokens drawn, one line per generation. " + "; ".join(parts) + "."
        return _finish(fig, key, alt)


def survival_chart(bands: list[Band], names: list[str], reference: str, key: str) -> str:
    """Grouped bars: the share of the reference's band types that survive, per band and generation."""
    colors = generation_colors(names, reference)
    n = len(names)
    width = 0.8 / max(n, 1)
    with _figure(4.8, 2.7) as fig:
        ax = fig.add_subplot()
        for b, band in enumerate(bands):
            if band.null:  # over the bars, so the null range reads against every bar
                ax.fill_between(
                    [b - 0.45, b + 0.45], band.null[0], band.null[1], color=INK, alpha=0.2, linewidth=0, zorder=3
                )
                ax.hlines(band.null, b - 0.45, b + 0.45, color=INK, linewidth=0.7, alpha=0.7, zorder=3)
            for i, name in enumerate(names):
                value = band.values[i]
                if value is None:
                    continue
                xpos = b - 0.4 + width * (i + 0.5)
                iv = band.intervals[i]
                err = [[value - iv[0]], [iv[1] - value]] if iv else None
                ax.bar(xpos, value, width * 0.9, color=colors[name], label=_text(name) if b == 0 else None)
                if err:
                    ax.errorbar(xpos, value, yerr=err, color=INK, linewidth=0.8, capsize=0)
        ax.set_xticks(range(len(bands)), labels=[_text(band.label) for band in bands])
        ax.set_ylim(0, 1.05)
        ax.set_ylabel("share surviving")
        _legend(ax, n, outside=True)
        _y_grid(ax)
        _tight(fig, pad=0.4)
        parts = []
        for band in bands:
            vals = ", ".join(f"{_label(nm)} {_pct(v)}" for nm, v in zip(names, band.values, strict=True))
            null = f"; null {_pct(band.null[0])} to {_pct(band.null[1])}" if band.null else ""
            parts.append(f"{band.label}: {vals}{null}")
        alt = "Survival of the reference's rare word types per band and generation. " + ". ".join(parts) + "."
        return _finish(fig, key, alt)


def embedding_scatter(
    points: dict[str, list[list[float]]], reference: str, explained: Sequence[float], key: str
) -> str:
    """Small multiples of the 2-D projection: each generation in colour over the reference in grey."""
    names = [n for n, p in points.items() if p]
    colors = generation_colors(names, reference)
    cols = min(3, len(names))
    rows = math.ceil(len(names) / cols)
    ref = points.get(reference) or []
    allx = [p[0] for pts in points.values() for p in pts]
    ally = [p[1] for pts in points.values() for p in pts]
    with _figure(2.0 * cols + 0.3, 2.0 * rows + 0.3) as fig:
        axes = fig.subplots(rows, cols, squeeze=False, sharex=True, sharey=True)
        for i, ax in enumerate(axes.flat):
            if i >= len(names):
                ax.set_axis_off()
                continue
            name = names[i]
            if name != reference and ref:
                ax.scatter(*zip(*ref, strict=True), s=5, color=INK, alpha=0.22, linewidths=0)
            ax.scatter(*zip(*points[name], strict=True), s=7, color=colors[name], alpha=0.85, linewidths=0)
            ax.set_title(_label(name, 22), pad=3)
            ax.set_xticks([])
            ax.set_yticks([])
            for spine in ax.spines.values():
                spine.set_visible(True)
                spine.set_alpha(0.35)
        if allx:
            pad = 0.05 * max(max(allx) - min(allx), max(ally) - min(ally), 1e-9)
            axes[0, 0].set_xlim(min(allx) - pad, max(allx) + pad)
            axes[0, 0].set_ylim(min(ally) - pad, max(ally) + pad)
        _tight(fig, pad=0.4, h_pad=0.6, w_pad=0.4)
        variance = " and ".join(_pct(v, 1) for v in explained[:2])
        spread = ", ".join(f"{_label(n)} {format_number(_rms(points[n]))}" for n in names)
        alt = (
            f"Document embeddings projected to 2-D (principal axes of the reference, explaining {variance} of its "
            f"variance), one panel per generation over the reference in grey. Root-mean-square distance from "
            f"each panel's centre: {spread}."
        )
        return _finish(fig, key, alt)


def histogram_chart(histogram: Histogram, generation: str, key: str) -> str:
    """A small filled histogram of one score, its median (solid) and its thresholds (dashed).

    Thresholds outside the binned range are left out of the drawing (they would squeeze the bars
    into a corner) and stated in the description only.
    """
    h = histogram
    lo, hi = h.edges[0], h.edges[-1]
    shown = [(label, v) for label, v in h.marks if lo <= v <= hi]
    with _figure(2.7, 1.6) as fig:
        ax = fig.add_subplot()
        ax.stairs(h.counts, h.edges, fill=True, color=ACCENT, alpha=0.6, linewidth=0)
        ax.axvline(h.median, color=INK, linewidth=1.1)
        top = max(h.counts, default=0) or 1
        for label, value in shown:
            ax.axvline(value, color=INK, linewidth=0.8, alpha=0.7, linestyle=(0, (3, 2)))
            ax.text(value, top * 1.03, _text(label), ha="center", va="bottom", fontsize=7)
        ax.set_ylim(0, top * (1.22 if shown else 1.05))
        ax.set_xlim(lo, hi)
        ax.set_xlabel(_text(h.title), fontsize=8)
        ax.set_ylabel("documents", fontsize=8)
        ax.tick_params(labelsize=7.5)
        ax.locator_params(axis="x", nbins=5)
        ax.locator_params(axis="y", nbins=4)
        _y_grid(ax)
        _tight(fig, pad=0.3)
        return _finish(fig, key, _histogram_alt(h, generation))


def generation_colors(names: list[str], reference: str) -> dict[str, str]:
    """The reference in ink, later generations along the ramp (same colour for a name everywhere)."""
    others = [n for n in names if n != reference]
    colors = {reference: INK}
    if others:
        from matplotlib.colors import LinearSegmentedColormap, to_hex

        cmap = LinearSegmentedColormap.from_list("auditor", RAMP)
        for i, name in enumerate(others):
            colors[name] = to_hex(cmap(i / max(len(others) - 1, 1)))
    return colors


# ---------------------------------------------------------------------------------------------
# helpers


@contextmanager
def _figure(width: float, height: float) -> Iterator[Figure]:
    """A standalone Figure created and saved under fixed rcParams (held under a lock: rcParams are global)."""
    import matplotlib as mpl
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with _LOCK, mpl.rc_context(RC):
        fig = Figure(figsize=(width, height))
        FigureCanvasAgg(fig)  # a canvas that measures text without drawing (tight_layout would draw the figure)
        yield fig


def _tight(fig: Figure, pad: float = 0.4, **kwargs: float) -> None:
    """Tight margins, applied once: ``fig.tight_layout`` would leave a layout engine that makes savefig draw twice.

    Labels too long to fit (a generation named with 95 characters) leave the default margins, and
    matplotlib warns that it could not tighten them: the chart is drawn all the same, so the warning
    says nothing a user can act on and is not shown.
    """
    from matplotlib.layout_engine import TightLayoutEngine

    with _no_glyph_warnings(), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Tight layout not applied")
        TightLayoutEngine(pad=pad, **kwargs).execute(fig)


def _finish(fig: Figure, key: str, alt: str) -> str:
    """Save ``fig`` as SVG and make it safe, small and accessible (see module docstring)."""
    buf = io.StringIO()
    with _no_glyph_warnings():
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    return clean_svg(buf.getvalue(), key, alt)


@contextmanager
def _no_glyph_warnings() -> Iterator[None]:
    """Words of a script the chart font lacks (Chinese, Japanese) draw as boxes: matplotlib warns once
    per character and per drawing, hundreds of lines. The report's tables show the words as text."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from font")
        yield


def clean_svg(svg: str, key: str, alt: str) -> str:
    """Re-serialise an SVG: CSS colours, local ids, rounded numbers, no metadata, role=img and a title."""
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", XLINK_NS)
    root = ET.fromstring(svg.encode("utf-8"))
    _prune(root)
    prefix = re.sub(r"[^A-Za-z0-9_-]", "-", key)
    ids = {el.get("id"): f"{prefix}-{i}" for i, el in enumerate(_referenced(root)) if el.get("id")}
    href = f"{{{XLINK_NS}}}href"
    for el in root.iter():
        old_id = el.attrib.pop("id", None)
        if old_id in ids:
            el.set("id", ids[old_id])
        if el.get(href, "").startswith("#"):
            el.set(href, "#" + ids.get(el.get(href)[1:], ""))
        if "clip-path" in el.attrib:
            target = el.get("clip-path")[5:-1]
            el.set("clip-path", f"url(#{ids.get(target, '')})")
        for name in ("d", "x", "y", "width", "height", "points"):
            if name in el.attrib:
                el.set(name, _round(el.get(name)))
        if el.get("transform", "").startswith("rotate(-0 "):
            del el.attrib["transform"]
        if "style" in el.attrib:
            el.set("style", _style(el.get("style")))
    _compact(root)
    width, height = (_round(root.get(a, "0").removesuffix("pt")) for a in ("width", "height"))
    root.attrib.pop("version", None)
    root.set("width", width)
    root.set("height", height)
    root.set("role", "img")
    root.set("aria-label", alt)
    title = ET.Element(f"{{{SVG_NS}}}title")
    title.text = alt
    root.insert(0, title)
    return ET.tostring(root, encoding="unicode")


def _compact(root: ET.Element) -> None:
    """Fewer bytes, the same picture: a style shared by every <use> of a group (a scatter's thousands of
    markers) set once on the group (fill and fill-opacity inherit), and the indentation between
    elements dropped (outside <text>, where whitespace is drawn)."""
    use = f"{{{SVG_NS}}}use"
    textual = {f"{{{SVG_NS}}}text", f"{{{SVG_NS}}}tspan"}
    for parent in root.iter():
        kids = list(parent)
        styles = {k.get("style") for k in kids}
        if len(kids) > 1 and "style" not in parent.attrib and all(k.tag == use for k in kids) and len(styles) == 1:
            style = styles.pop()
            if style:
                parent.set("style", style)
                for k in kids:
                    del k.attrib["style"]
        if parent.tag not in textual:
            if parent.text is not None and not parent.text.strip():
                parent.text = None
            for k in kids:
                if k.tail is not None and not k.tail.strip():
                    k.tail = None


def _prune(root: ET.Element) -> None:
    """Drop metadata, the global <style> (it would leak into the page) and any unexpected element."""
    for parent in list(root.iter()):
        for child in list(parent):
            tag = child.tag.rsplit("}", 1)[-1]
            if tag not in KEEP_TAGS:
                parent.remove(child)


def _referenced(root: ET.Element) -> list[ET.Element]:
    """Elements whose id is used by a clip-path or an xlink:href (the others' ids are dropped)."""
    used = set()
    for el in root.iter():
        ref = el.get(f"{{{XLINK_NS}}}href", "")
        if ref.startswith("#"):
            used.add(ref[1:])
        clip = el.get("clip-path", "")
        if clip.startswith("url(#"):
            used.add(clip[5:-1])
    return [el for el in root.iter() if el.get("id") in used]


def _style(style: str) -> str:
    """Compact a style attribute: no font family (the page sets it), sentinel colours to CSS."""
    out = []
    for item in style.split(";"):
        name, _, value = (p.strip() for p in item.partition(":"))
        if not name or name == "font-family":
            continue
        out.append(f"{name}:{CSS_COLORS.get(value.lower(), _round(value))}")
    return ";".join(out)


def _round(text: str) -> str:
    """Numbers in an attribute to 2 decimals, whitespace collapsed: sub-pixel digits cost bytes only."""

    def short(m: re.Match[str]) -> str:
        s = f"{float(m.group()):.2f}".rstrip("0").rstrip(".")
        return "0" if s == "-0" else s

    return " ".join(_NUMBER.sub(short, text).split())


def _nan(values: Sequence[float | None]) -> list[float]:
    return [math.nan if v is None else v for v in values]


def _null_band(ax: Axes, lo: float, hi: float, center: float) -> None:
    """The reference's split-half null: a grey band over its range, dashed at its centre."""
    ax.axhspan(lo, hi, color=INK, alpha=0.13, linewidth=0)
    ax.axhline(center, color=INK, alpha=0.55, linewidth=0.8, linestyle=(0, (3, 3)))


def _flat_limits(ax: Axes, values: Sequence[float | None], unit: str) -> None:
    """Give a constant series a sensible range (matplotlib would zoom into rounding noise)."""
    finite = [v for v in values if v is not None and math.isfinite(v)]
    if not finite or max(finite) - min(finite) > 1e-9 * max(1.0, abs(max(finite))):
        return
    v = finite[0]
    if unit == "share":
        ax.set_ylim(0, max(0.1, min(1.0, 2 * v)))
    else:
        d = max(abs(v) * 0.1, 1.0)
        ax.set_ylim(v - d, v + d)


def _plain_log_ticks(axis: Any, percent: bool = False) -> None:
    """Log-axis labels as plain numbers (the default mathtext labels need TeX-like rendering)."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    def label(x: float, _pos: int) -> str:
        if percent:
            return f"{100 * x:.10g}%"
        return f"{x:,.0f}" if x >= 1 else f"{x:g}"

    axis.set_major_locator(LogLocator(base=10))
    axis.set_major_formatter(FuncFormatter(label))
    axis.set_minor_formatter(NullFormatter())


def _generation_axis(ax: Axes, names: list[str]) -> None:
    """Generation names as x tick labels, shortened and slanted when they would collide."""
    labels = [_label(n) for n in names]
    ax.set_xticks(range(len(names)), labels=labels)
    if sum(len(s) for s in labels) > 36:
        for tick in ax.get_xticklabels():
            tick.set_rotation(30)
            tick.set_horizontalalignment("right")


def _y_grid(ax: Axes) -> None:
    ax.grid(axis="y", color=INK, alpha=0.12, linewidth=0.6)
    ax.set_axisbelow(True)


def _legend(ax: Axes, n: int, outside: bool = False) -> None:
    if not ax.get_legend_handles_labels()[0]:
        return
    if outside:
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), handlelength=1.2)
    else:
        ax.legend(loc="best", ncols=1 if n <= 6 else 2, handlelength=1.6)


def _text(text: str) -> str:
    """Data as a plain label: control characters and characters XML forbids as visible escapes.

    Mathtext is off in :data:`RC`, so ``$`` and ``\\`` need no escaping here.
    """
    return _XML_INVALID.sub(lambda m: f"\\u{ord(m.group()):04x}", visible_controls(str(text)))


def _label(name: str, limit: int = 16) -> str:
    """A generation name short enough for a tick label (the full name is in the tables)."""
    name = _text(name)
    return name if len(name) <= limit else name[: limit - 1] + "…"


def _pct(x: float | None, digits: int = 0) -> str:
    return "n/a" if x is None else f"{100 * x:.{digits}f}%"


def _rms(points: list[list[float]]) -> float:
    """Root-mean-square distance of points from their centre: how spread a panel looks."""
    n = len(points)
    cx = sum(p[0] for p in points) / n
    cy = sum(p[1] for p in points) / n
    return math.sqrt(sum((p[0] - cx) ** 2 + (p[1] - cy) ** 2 for p in points) / n)


def _trend_alt(trend: Trend) -> str:
    """Alt text of a trend chart: every value (with a non-ok status named) and the null range."""
    parts = []
    for name, value, status in zip(trend.names, trend.values, trend.statuses, strict=True):
        text = f"{_label(name, 40)} {format_number(value)}"
        if status in ("watch", "degraded"):
            text += f" ({status})"
        parts.append(text)
    null = f" Reference null {format_number(trend.null[1])} to {format_number(trend.null[2])}." if trend.null else ""
    ahead = ""
    if trend.projection is not None and trend.projection.centre[-1] is not None:
        p = trend.projection
        ahead = (
            f" Projected two steps on: {format_number(p.centre[-1])} (90% band {format_number(p.low[-1])} to "
            f"{format_number(p.high[-1])}), dashed."
        )
    return f"{trend.title} per generation: {', '.join(parts)}.{null}{ahead}"


def _histogram_alt(h: Histogram, generation: str) -> str:
    """Alt text of a histogram: how many documents, their range, median and densest bin, the thresholds."""
    n = sum(h.counts)
    i = max(range(len(h.counts)), key=lambda j: (h.counts[j], -j)) if h.counts else 0
    densest = (h.edges[i] + h.edges[i + 1]) / 2 if h.counts else h.median
    marks = "; ".join(f"{_text(label)} at {format_number(v)}" for label, v in h.marks)
    marks = f" Thresholds: {marks}." if marks else ""
    return (
        f"Histogram of {_text(h.title)} over {n:,} documents of {_label(generation, 40)}: from "
        f"{format_number(h.edges[0])} to {format_number(h.edges[-1])}, median {format_number(h.median)}, "
        f"densest near {format_number(densest)}.{marks}"
    )
