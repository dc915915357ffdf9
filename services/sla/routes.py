"""HTTP routes of the SLA service: the evaluation report as JSON or CSV."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Response

from services.sla.evaluation import Period
from services.sla.policy import Policy
from services.sla.report import Format, build_report, to_csv
from services.sla.settings import SlaSettings


def report_router(settings: SlaSettings, policy: Policy) -> APIRouter:
    """GET /v1/reports/evaluation?period=week|month&format=json|csv&since=&until="""
    router = APIRouter(prefix="/v1/reports", tags=["reports"])

    @router.get("/evaluation", response_model=None)
    async def evaluation(period: Period = "week", format: Format = "json",  # noqa: A002
                         since: date | None = None,
                         until: date | None = None) -> dict[str, Any] | Response:
        report = await build_report(settings, policy, period, since, until)
        if format == "csv":
            name = f"evaluasi-{period}-{report['generated_at'][:10]}.csv"
            return Response(to_csv(report), media_type="text/csv; charset=utf-8",
                            headers={"Content-Disposition": f'attachment; filename="{name}"'})
        return report

    return router
