import threading

from gridgov import ids


def test_ids_made_in_one_process_are_strictly_increasing() -> None:
    made = [ids.new_id() for _ in range(20_000)]  # many share a millisecond
    assert made == sorted(made)
    assert len(set(made)) == len(made)
    assert all(len(one) == 32 and int(one, 16) >= 0 for one in made)
    assert len({one[:12] for one in made}) < len(made)  # the case that matters was met


def test_a_clock_stepping_back_does_not_break_the_order(monkeypatch) -> None:
    first = ids.new_id()
    monkeypatch.setattr(ids.time, "time_ns", lambda: 0)  # 1970
    second = ids.new_id()
    assert second > first and second[:12] == first[:12]


def test_threads_get_distinct_ids() -> None:
    made: list[list[str]] = [[] for _ in range(4)]

    def make(into: list[str]) -> None:
        into.extend(ids.new_id() for _ in range(5_000))

    threads = [threading.Thread(target=make, args=(into,)) for into in made]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = [one for into in made for one in into]
    assert len(set(every)) == len(every)
    assert all(into == sorted(into) for into in made)
