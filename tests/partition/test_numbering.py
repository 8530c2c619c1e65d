import numpy as np
import pytest

from gridgov.partition.numbering import assign_serials, reading_order


def test_reading_order_is_rows_north_to_south_then_west_to_east():
    # a 3 x 2 block of parts, centres a little uneven within each row
    centres = np.array([[200, 0], [0, 5], [100, -3], [0, 105], [210, 98], [100, 100]], float)
    assert reading_order(centres).tolist() == [3, 5, 4, 1, 2, 0]


def test_fresh_serials_follow_reading_order():
    centres = np.array([[100, 0], [0, 0], [0, 100]], float)
    assert assign_serials(centres, [None, None, None]).tolist() == [3, 2, 1]


def test_kept_serials_stay_and_new_ones_take_the_next_free_never_a_retired_one():
    centres = np.array([[0, 0], [100, 0], [200, 0]], float)
    serials = assign_serials(centres, [4, None, None], used_serials={1, 2, 3, 4, 9})
    assert serials.tolist() == [4, 10, 11]


def test_two_parts_cannot_keep_one_serial():
    with pytest.raises(ValueError):
        assign_serials(np.zeros((2, 2)), [1, 1])
