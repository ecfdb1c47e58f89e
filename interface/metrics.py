"""Prometheus metrics: requests, their duration, delivery attempts, and the delivery queue.

Counters and histograms are ``prometheus-client`` metrics. Under gunicorn each
worker process counts in files of ``PROMETHEUS_MULTIPROC_DIR`` (set by
``serve`` before any worker starts, one directory per instance), a scrape adds
them up with a fresh registry and a ``MultiProcessCollector``, and a worker
that exits is marked dead so its live gauges go. The queue gauges (deliveries
by party and status, age of the oldest pending delivery, how far the delivery
worker is behind the log) are computed at scrape time from the deliveries
table, so every process and every node answers the same. Labels carry party
names, methods, route templates and statuses only.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

MULTIPROC_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
TOKEN_VARIABLE = "SETU_PLANNING_METRICS_TOKEN"
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class _Metrics:
    """The process's metric objects, made on first use (after ``PROMETHEUS_MULTIPROC_DIR`` is set)."""

    def __init__(self) -> None:
        from prometheus_client import Counter, Histogram

        self.requests = Counter("setu_planning_http_requests", "HTTP requests answered", ["method", "route", "status"])
        self.duration = Histogram(
            "setu_planning_http_request_duration_seconds",
            "Time to answer an HTTP request",
            ["method", "route"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )
        self.attempts = Counter(
            "setu_planning_delivery_attempts", "Delivery attempts to counterparties", ["party", "outcome"]
        )


_metrics: _Metrics | None = None
_made = threading.Lock()


def metrics() -> _Metrics:
    """The metric objects, made once (the first requests of a process arrive on several threads at once)."""
    global _metrics
    if _metrics is None:
        with _made:
            if _metrics is None:
                _metrics = _Metrics()
    return _metrics


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    m = metrics()
    m.requests.labels(method, route, str(status)).inc()
    m.duration.labels(method, route).observe(seconds)


def observe_attempt(party: str, outcome: str) -> None:
    """One delivery attempt: ``delivered``, ``retrying`` or ``failed``."""
    metrics().attempts.labels(party, outcome).inc()


@dataclass(frozen=True)
class QueueFigures:
    """The delivery queue at one moment, from the deliveries table."""

    by_party_status: dict[tuple[str, str], int] = field(default_factory=dict)
    oldest_pending: dict[str, float] = field(default_factory=dict)  # party -> epoch seconds queued
    behind: int | None = None  # notifications of the planning log not yet followed


def queue_figures(rows: Iterable[Any], behind: int | None, queued_at: Callable[[Any], float | None]) -> QueueFigures:
    """Figures from delivery rows (anything with ``party`` and ``status``)."""
    counts: dict[tuple[str, str], int] = {}
    oldest: dict[str, float] = {}
    for row in rows:
        counts[(row.party, row.status)] = counts.get((row.party, row.status), 0) + 1
        if row.status == "pending":
            since = queued_at(row)
            if since is not None and since < oldest.get(row.party, float("inf")):
                oldest[row.party] = since
    return QueueFigures(counts, oldest, behind)


class QueueCollector:
    """Gauges of the delivery queue, read from the store when scraped."""

    def __init__(self, figures: Callable[[], QueueFigures], clock: Callable[[], float] = time.time) -> None:
        self.figures, self.clock = figures, clock

    def collect(self) -> Iterable[Any]:
        from prometheus_client.core import GaugeMetricFamily

        figures = self.figures()
        now = self.clock()
        deliveries = GaugeMetricFamily(
            "setu_planning_deliveries", "Deliveries to counterparties by status", labels=["party", "status"]
        )
        for (party, status), count in sorted(figures.by_party_status.items()):
            deliveries.add_metric([party, status], count)
        yield deliveries
        oldest = GaugeMetricFamily(
            "setu_planning_delivery_oldest_pending_age_seconds",
            "Age of the oldest delivery still pending, per party",
            labels=["party"],
        )
        for party, since in sorted(figures.oldest_pending.items()):
            oldest.add_metric([party], max(0.0, now - since))
        yield oldest
        if figures.behind is not None:
            yield GaugeMetricFamily(
                "setu_planning_delivery_behind_notifications",
                "Notifications of the planning log the delivery worker has not followed yet",
                value=figures.behind,
            )


def render(queue: QueueCollector | None = None) -> bytes:
    """The Prometheus text exposition of every process's counts, plus the queue gauges."""
    from prometheus_client import REGISTRY, CollectorRegistry, generate_latest

    metrics()  # the families appear (empty) before the first request
    if os.environ.get(MULTIPROC_VARIABLE):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = CollectorRegistry()
        registry.register(_Forward(REGISTRY))
    if queue is not None:
        registry.register(queue)
    return generate_latest(registry)


class _Forward:
    """The default registry's metrics inside a scrape registry (so queue gauges join them per scrape)."""

    def __init__(self, registry: Any) -> None:
        self.registry = registry

    def collect(self) -> Iterable[Any]:
        return self.registry.collect()


def worker_exited(pid: int) -> None:
    """gunicorn's ``child_exit``: the worker's live gauges go; its counts stay in the sums."""
    if os.environ.get(MULTIPROC_VARIABLE):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)


def allowed(authorization: str | None, *, open_mode: bool, token: str | None) -> bool:
    """Who may scrape: anyone in open mode; with parties only the holder of ``SETU_PLANNING_METRICS_TOKEN``.

    A counterparty's own token never opens ``/metrics``: without a metrics
    token configured, metrics are not served to anyone over HTTP.
    """
    import hmac

    if open_mode:
        return True
    if not token or not authorization or not authorization.startswith("Bearer "):
        return False
    return hmac.compare_digest(authorization.removeprefix("Bearer ").strip().encode(), token.encode())
