"""CSV and XLSX exports of the statistics: exactly the page's numbers (figures.summary_rows and the series)."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook
from openpyxl.styles import Font

from registry.i18n import t

from .figures import MAIL_MEASURES, Report, summary_rows

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _label(section: str, key: str) -> str:
    return t(f"ui.stats.row.{section}.{key}")


def _tables(report: Report) -> dict[str, list[list[object]]]:
    """Sheet name -> rows (header first)."""
    period = f"{report.period.start:%d/%m/%Y} – {report.period.end:%d/%m/%Y}"
    head = [t("ui.stats.col.section"), t("ui.stats.col.indicator"), t("ui.stats.col.value")]
    summary = [
        [t(f"ui.stats.section.{s}"), _label(s, k), v if v is not None else ""] for s, k, v in summary_rows(report)
    ]
    series = [[t("ui.stats.col.period"), *(t(f"ui.stats.mail.{m}") for m in MAIL_MEASURES)]]
    series += [[b, *(report.series[m][b] for m in MAIL_MEASURES)] for b in report.period.buckets()]
    motifs = [[t("ui.stats.col.outcome"), t("ui.stats.col.motif"), t("ui.stats.col.count")]]
    motifs += [[t(f"decision_outcome.{o}"), m, n] for o, m, n in report.decision_motifs]
    qualitative = [[t("ui.stats.col.dimension"), t("ui.stats.col.value"), t("ui.stats.col.count")]]
    qualitative += [[t("ui.stats.motif_demande"), m, n] for m, n in report.motifs_demande]
    qualitative += [[t("ui.stats.orientation"), m, n] for m, n in report.orientations]
    return {
        t("ui.stats.sheet.summary"): [[t("ui.stats.col.period"), period], head, *summary],
        t("ui.stats.sheet.series"): series,
        t("ui.stats.sheet.motifs"): motifs,
        t("ui.stats.sheet.qualitative"): qualitative,
    }


def to_csv(report: Report) -> bytes:
    """One CSV (';', UTF-8 with BOM: opens as is in a French Excel), the tables one after the other."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    for name, rows in _tables(report).items():
        writer.writerow([name])
        writer.writerows(rows)
        writer.writerow([])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(report: Report) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, rows in _tables(report).items():
        sheet = workbook.create_sheet(name[:31])
        for row in rows:
            sheet.append(row)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for column in sheet.columns:
            width = max(len(str(c.value or "")) for c in column)
            sheet.column_dimensions[column[0].column_letter].width = min(60, max(10, width + 2))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
