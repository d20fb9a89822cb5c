"""scripts/benchmark.py's arithmetic and drawing, without servers (the benchmark itself is run by hand)."""
import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("benchmark", ROOT / "scripts" / "benchmark.py")
benchmark = importlib.util.module_from_spec(spec)
spec.loader.exec_module(benchmark)


def a_round(rate: float, p50: float) -> dict:
    return {"msgs_per_s_acked": rate, "msgs_per_s_complete": rate / 2, "ack_ms": {"p50": p50, "p99": p50 * 3},
            "reply_ms": {"p50": None, "p99": None}, "cpu_ms_per_msg": 1.0, "errors": {"internal": 1},
            "unanswered": 2}


def test_medians_of_rounds_skip_missing_figures_and_add_up_errors():
    summary = benchmark.throughput_summary([a_round(100, 10), a_round(300, 30), a_round(200, 20)])
    assert summary["msgs_per_s_acked"] == 200
    assert summary["ack_p99_ms"] == 60
    assert summary["reply_p50_ms"] is None and summary["statements_per_msg"] is None
    assert summary["errors"] == {"internal": 3} and summary["unanswered"] == 6


def test_chart_is_drawn(tmp_path):
    side = benchmark.throughput_summary([a_round(1000, 2)])
    results = {"setup": {"database": "sqlite", "started_at": "2026-12-01T00:00:00", "app_commit": "abc",
                         "rounds": 1, "senders": 100, "messages": 20},
               "throughput": {"echo": side, "dreamchat": side, "ratios": {"acked": 1.0, "complete": 0.5}},
               "lone": {"echo": side, "dreamchat": side}}
    benchmark.draw_chart(results, tmp_path / "chart.png")
    assert (tmp_path / "chart.png").stat().st_size > 1000
