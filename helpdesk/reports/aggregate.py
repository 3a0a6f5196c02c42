"""Pure report arithmetic over query results: percentiles, shares, chart shaping."""
import math
from typing import Iterable, Sequence


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile, as PostgreSQL's percentile_cont (None when empty)."""
    if not values:
        return None
    if not 0 <= q <= 1:
        raise ValueError("q must be within [0, 1]")
    ordered = sorted(values)
    pos = q * (len(ordered) - 1)
    lo, hi = math.floor(pos), math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def share(part: int, whole: int) -> float | None:
    """part / whole as a percentage rounded to 0.1 (None when whole is 0)."""
    return round(100.0 * part / whole, 1) if whole else None


def chart(title: str, headers: Sequence[str], rows: Iterable[Sequence], kind: str = "bar",
          series: Sequence[str] | None = None) -> dict:
    """A chart description: rows for the CSV, labels + datasets for Chart.js."""
    rows = [list(r) for r in rows]
    names = list(series or headers[1:])
    datasets = [{"label": name, "data": [r[i + 1] for r in rows]} for i, name in enumerate(names)]
    return {"title": title, "kind": kind, "headers": list(headers), "rows": rows,
            "labels": [str(r[0]) for r in rows], "datasets": datasets}


def on_time_rows(records: Iterable[Sequence]) -> list[list]:
    """(department, on time, decided) → [department, on time, decided, share %]."""
    return [[dept or "—", on_time, decided, share(on_time, decided)]
            for dept, on_time, decided in records]


def round_hours(value: float | None) -> float | None:
    """Minutes → hours rounded to 0.1."""
    return None if value is None else round(value / 60.0, 1)


def every_day(rows: Iterable[Sequence], first, last, limit: int = 1100) -> list[list]:
    """[(YYYY-MM-DD, n)] with the period's missing days as 0, so a line spans the whole period
    (left as it is when the period is open-ended or longer than `limit` days)."""
    from datetime import timedelta

    rows = [list(r) for r in rows]
    if first is None or last is None or not 0 <= (last - first).days <= limit:
        return rows
    counts = {str(day): n for day, n in rows}
    return [[str(first + timedelta(days=i)), counts.get(str(first + timedelta(days=i)), 0)]
            for i in range((last - first).days + 1)]


def minutes_or_hours(rows: list[list]) -> tuple[list[list], str]:
    """First-response rows [name, median, p90] in minutes, shown in hours only when the times
    are long (a median under an hour read as «0.0 ч»)."""
    values = [v for r in rows for v in r[1:] if v is not None]
    if values and max(values) >= 180:
        return [[r[0], *(round_hours(v) for v in r[1:])] for r in rows], "ч"
    return [[r[0], *((None if v is None else round(v)) for v in r[1:])] for r in rows], "мин"
