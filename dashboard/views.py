"""Manager pages: the dashboard and the monthly report. Thin: parse, call selectors, render."""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from campaigns.selectors import campaigns_paused_by_guardrail

from .access import manager_required
from .caching import campaigns_section, interested_section, periods_section, revenue_section, today_sections
from .forms import PeriodForm
from .models import MonthlyReport
from .reports import BadMonth, monthly_report_csv, parse_month, previous_month
from .selectors import (
    Period,
    business_today,
    held_count,
    monthly_figures,
    waiting_conversations,
    waiting_count,
)

# Stored monthly reports listed for download (two years).
STORED_REPORTS_SHOWN = 24


def _presets(today: dt.date) -> list[tuple[str, Period]]:
    """Quick ranges offered beside the date pickers."""
    this_month = Period(today.replace(day=1), today)
    last_month = Period.month(previous_month(today))
    return [
        ("Last 90 days", Period.last_days(90, today=today)),
        ("This month", this_month),
        (last_month.label, last_month),
    ]


@require_GET
@manager_required
def dashboard(request):
    now = timezone.now()
    today = business_today(now=now)
    form = PeriodForm(request.GET or None, today=today)
    selected = form.period() if form.is_bound and form.is_valid() else None
    periods = [Period.last_days(7, today=today), Period.last_days(30, today=today)]
    if selected:
        periods.append(selected)
    sections = {
        **today_sections(now),
        "periods": periods_section(periods=periods, selected=selected, chart_period=selected or periods[1]),
        "campaigns": campaigns_section(today),
        "revenue": revenue_section(today, "won" if request.GET.get("ab") == "won" else "replied"),
        "interested": interested_section(now),
    }
    context = {
        "now": now,
        # Live, never cached: a campaign that stopped itself is the first thing a manager must see.
        "guardrail_pauses": campaigns_paused_by_guardrail(),
        "sections": sections,
        "waiting": list(waiting_conversations()),
        "waiting_total": waiting_count(),
        "held_total": held_count(),
        "form": form,
        "selected": selected,
        "presets": _presets(today),
    }
    return render(request, "dashboard/index.html", context)


@require_GET
@manager_required
def monthly_report(request):
    today = business_today()
    raw = request.GET.get("month") or f"{previous_month(today):%Y-%m}"
    try:
        month = parse_month(raw)
    except BadMonth as exc:
        context = {"error": str(exc), "month_value": raw, "stored": _stored_reports()}
        return render(request, "dashboard/monthly_report.html", context, status=400)
    figures = monthly_figures(month=month)
    if request.GET.get("format") == "csv":
        response = HttpResponse(monthly_report_csv(figures), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{MonthlyReport(month=month).filename}"'
        return response
    context = {
        "figures": figures,
        "month_value": f"{month:%Y-%m}",
        "previous": f"{previous_month(month):%Y-%m}",
        "following": f"{(month + dt.timedelta(days=32)).replace(day=1):%Y-%m}" if month < today.replace(day=1) else "",
        "partial": month == today.replace(day=1),
        "stored": _stored_reports(),
        "money_rows": figures.money,
        "speed": figures.speed,
        "segment_price": settings.TEXT_SEGMENT_PRICE,
    }
    return render(request, "dashboard/monthly_report.html", context)


def _stored_reports():
    return list(MonthlyReport.objects.defer("csv_content")[:STORED_REPORTS_SHOWN])


@require_GET
@manager_required
def monthly_report_download(request, month: str):
    try:
        first = parse_month(month)
    except BadMonth as exc:
        return HttpResponse(str(exc), status=404, content_type="text/plain; charset=utf-8")
    report = get_object_or_404(MonthlyReport, month=first)
    response = HttpResponse(report.csv_content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{report.filename}"'
    return response
