"""Charts of the statistics page, drawn on the server with matplotlib (PNG: no script, nothing from a CDN)."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # before anything draws: no display on a server

from matplotlib.figure import Figure  # noqa: E402 - after the backend choice
from matplotlib.ticker import MaxNLocator  # noqa: E402

from registry.i18n import t  # noqa: E402

from .figures import MAIL_MEASURES, Report  # noqa: E402

COLOURS = ("#1d4f91", "#5b8fd1", "#2e7d32", "#b85c00")  # contrast ≥ 4.5:1 on white
CHARTS = ("courrier", "decisions", "borne")


def render(report: Report, name: str) -> bytes:
    """One chart as PNG bytes; `name` is one of CHARTS."""
    if name == "courrier":
        figure = _mail(report)
    elif name == "decisions":
        figure = _bars(
            t("ui.stats.chart.decisions"), {t(f"decision_outcome.{k}"): v for k, v in report.decisions.items()}
        )
    elif name == "borne":
        figure = _bars(t("ui.stats.chart.kiosk"), {t(f"ui.stats.kiosk.{k}"): v for k, v in report.kiosk.items()})
    else:
        raise KeyError(name)
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=110, bbox_inches="tight")
    return out.getvalue()


def _mail(report: Report) -> Figure:
    labels = report.period.buckets()
    figure = Figure(figsize=(9, 3.4))
    axes = figure.subplots()
    width = 0.8 / len(MAIL_MEASURES)
    positions = range(len(labels))
    for i, measure in enumerate(MAIL_MEASURES):
        values = [report.series[measure][label] for label in labels]
        axes.bar([p + (i - 1.5) * width for p in positions], values, width, label=t(f"ui.stats.mail.{measure}"),
                 color=COLOURS[i])  # fmt: skip
    step = max(1, len(labels) // 12)
    axes.set_xticks(list(positions)[::step], [_short(label) for label in labels][::step])
    axes.set_title(t("ui.stats.chart.mail"))
    axes.legend(loc="upper left", fontsize=8, ncols=4, frameon=False)
    _tidy(axes)
    return figure


def _bars(title: str, values: dict[str, int]) -> Figure:
    figure = Figure(figsize=(4.4, 3))
    axes = figure.subplots()
    if values:
        names = list(values)
        axes.barh(names, [values[n] for n in names], color=COLOURS[0])
        for y, name in enumerate(names):
            axes.annotate(str(values[name]), (values[name], y), xytext=(3, 0), textcoords="offset points", va="center")
    else:
        axes.text(0.5, 0.5, t("ui.stats.empty"), ha="center", va="center", transform=axes.transAxes)
        axes.set_yticks([])
    axes.set_title(title)
    _tidy(axes, "x")
    return figure


def _tidy(axes: object, counts: str = "y") -> None:
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)  # type: ignore[attr-defined]
    getattr(axes, f"{counts}axis").set_major_locator(MaxNLocator(integer=True))  # counts of letters: whole numbers


def _short(label: str) -> str:
    """AAAA-MM → MM/AA, AAAA-MM-JJ → JJ/MM."""
    parts = label.split("-")
    return f"{parts[1]}/{parts[0][2:]}" if len(parts) == 2 else f"{parts[2]}/{parts[1]}"
