"""Derived incident columns: fatality summaries with shared figures."""

from geo.store.rows import fatality_summary


def test_a_shared_figure_counts_only_this_incidents_share() -> None:
    detail = [
        {"count": 132, "victims": "civilians", "is_claim": False, "shared": True, "share": 44},
        {"count": 5, "victims": "soldiers", "is_claim": False},
        {"count": 80, "victims": "militants", "is_claim": True, "shared": True, "share": 27},
    ]
    assert fatality_summary(detail) == (44, 27)


def test_whole_figures_and_missing_counts() -> None:
    assert fatality_summary([{"count": 30, "is_claim": False}, {"count": None}]) == (30, None)
    assert fatality_summary([]) == (None, None)
