"""Progress of long work: off a terminal, a line every few seconds with count, share, rate and time left."""

from __future__ import annotations

import io

from setu_planning.interface.cli.progress import LINE_EVERY, Progress


def test_off_a_terminal_a_line_comes_every_few_seconds_with_rate_and_time_left():
    now = [0.0]
    out = io.StringIO()
    progress = Progress("rebuild", 1000, stream=out, clock=lambda: now[0])
    progress.update(100)
    assert out.getvalue() == "", "no line before the interval"
    now[0] = LINE_EVERY
    progress.update(250)
    assert out.getvalue().strip() == "rebuild: 250 events of 1,000 (25%), 50 events/s, about 15 s left"
    now[0] = LINE_EVERY + 1
    progress.update(300)
    assert len(out.getvalue().splitlines()) == 1


def test_rebuild_reports_progress_as_it_reads_the_log(tmp_path):
    import samples

    from setu_planning.application import Caller, PlanningApplication

    app = PlanningApplication(f"sqlite:///{tmp_path}/p.sqlite3")
    for n in range(3):
        message = samples.request()
        message["documentId"]["value"] = f"R{n}"
        app.requests.submit(message, by=Caller.local("t", setu_version="2.0"))
    seen: list[int] = []
    total = app.rebuild_read_models(progress=seen.append)
    app.close()
    assert seen and seen[-1] == total == 3 and seen == sorted(seen)
