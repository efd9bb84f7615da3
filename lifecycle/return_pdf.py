"""The printable A4 return list: one row per letter to send back (addressee, sender, date received), to stamp."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from functools import cache
from zoneinfo import ZoneInfo

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from registry.i18n import t
from registry.services.returns import ReturnRow
from signing.appearance import font_path

FONT, BOLD = "CoffreList", "CoffreList-Bold"


@cache
def _fonts() -> None:
    pdfmetrics.registerFont(TTFont(FONT, str(font_path("regular"))))
    pdfmetrics.registerFont(TTFont(BOLD, str(font_path("bold"))))


def render_return_list(rows: Sequence[ReturnRow], structure_name: str, printed_at: dt.datetime, tz: ZoneInfo) -> bytes:
    _fonts()
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm, bottomMargin=15 * mm,
        title=t("ui.returns.title"), author=structure_name, creator="Coffre",
    )  # fmt: skip
    title = ParagraphStyle("title", fontName=BOLD, fontSize=14, leading=18)
    small = ParagraphStyle("small", fontName=FONT, fontSize=9, leading=11)
    cell = ParagraphStyle("cell", fontName=FONT, fontSize=9, leading=11)
    local = printed_at.astimezone(tz)
    head = [t("ui.returns.col.addressee"), t("ui.returns.col.sender"), t("ui.returns.col.received"),
            t("ui.returns.col.reminders"), t("ui.returns.col.stamp")]  # fmt: skip
    body = [
        [
            Paragraph(f"{_esc(r.addressee)}<br/><font size=8>n° {_esc(r.numero)}</font>", cell),
            Paragraph(_esc(r.sender or t("ui.returns.sender_unknown")), cell),
            r.received_at.astimezone(tz).strftime("%d/%m/%Y"),
            str(r.reminders),
            "",
        ]
        for r in rows
    ]
    table = Table([head, *body], colWidths=[55 * mm, 60 * mm, 25 * mm, 15 * mm, 25 * mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, 0), BOLD),
                ("FONTNAME", (0, 1), (-1, -1), FONT),
                ("FONTSIZE", (0, 0), (-1, -1), 9),
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white]),
                ("BOTTOMPADDING", (0, 1), (-1, -1), 9),
                ("TOPPADDING", (0, 1), (-1, -1), 9),
            ]
        )
    )
    story = [
        Paragraph(_esc(t("ui.returns.title")), title),
        Paragraph(
            _esc(
                t(
                    "ui.returns.pdf_intro",
                    structure=structure_name,
                    date=local.strftime("%d/%m/%Y %H:%M"),
                    count=len(rows),
                )
            ),
            small,
        ),  # fmt: skip
        Spacer(1, 6 * mm),
        table if body else Paragraph(_esc(t("ui.returns.empty")), small),
    ]
    doc.build(story)
    return out.getvalue()


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
