"""`gridgov demo`: build the Meizhou-like demo island in an empty database."""

from __future__ import annotations

import typer


def demo(
    seed: int = typer.Option(7, "--seed", help="Same seed, same island and people."),
    if_empty: bool = typer.Option(
        False, "--if-empty", help="Do nothing (and say so) when the database has territories."
    ),
    scale: float = typer.Option(
        1.0, "--scale", min=0.01, max=10.0, help="Households as a fraction of the full island."
    ),
    drill: bool = typer.Option(
        False,
        "--drill",
        help="Then run a typhoon drill roll-call over the town with simulated confirmations.",
    ),
) -> None:
    """Build the demo island: 11 villages, ~10,500 households, ~40,000 residents, posts.
    With --drill (and --if-empty on an island already loaded), run a typhoon drill on it."""
    # Imported here: generating the island loads numpy, scipy and shapely, which every other
    # command does without (they would slow every start of the CLI).
    from gridgov.cli.demo_island import build_and_load

    build_and_load(seed=seed, if_empty=if_empty, scale=scale)
    if drill:
        from gridgov.cli.demo_island import run_demo_drill

        run_demo_drill(seed=seed)
