from reports.ranking import competition_rank, points_by_rank


def test_equal_values_share_a_rank_and_the_next_skips():
    rows = competition_rank([("甲", 2.0), ("乙", 1.0), ("丙", 1.0), ("丁", 3.0)], lambda r: r[1])
    assert [(r.item[0], r.rank) for r in rows] == [("乙", 1), ("丙", 1), ("甲", 3), ("丁", 4)]


def test_highest_first_and_unranked_rows_last():
    rows = competition_rank([("甲", 5), ("乙", None), ("丙", 9), ("丁", 9)], lambda r: r[1], highest_first=True)
    assert [(r.item[0], r.rank) for r in rows] == [("丙", 1), ("丁", 1), ("甲", 3), ("乙", None)]


def test_points_fall_by_the_step_and_never_below_zero():
    assert [points_by_rank(rank, first=30) for rank in (1, 1, 3, 31, 40, None)] == [30, 30, 28, 0, 0, 0]
    assert points_by_rank(2, first=20, step=0.5) == 19.5
