"""Racing requests: each side in its own thread, app context and database session."""

from __future__ import annotations

import threading
from collections.abc import Callable

from flask import Flask

from portal.extensions import db

#: The outcome of a side whose action committed.
WON = "won"

#: A side reads what it needs (in its own session) and returns the action to race with.
Side = Callable[[], Callable[[], object]]


def race(app: Flask, sides: list[Side], between: Callable[[], None] | None = None) -> list:
    """Run the sides together: once every side has read, ``between`` runs in the test's
    session, then a barrier releases every action at once. Returns, per side, ``WON`` or
    the exception it raised (its transaction rolled back); an action that returns something
    (a response) has that as its outcome."""
    gate = threading.Barrier(len(sides) + 1, timeout=30)
    outcomes: list = [None] * len(sides)

    def run(index: int, side: Side) -> None:
        with app.app_context():
            try:
                action = side()
            except Exception as error:
                outcomes[index] = error
                gate.abort()  # the others would wait for this side forever
                db.session.remove()
                return
            try:
                gate.wait()  # every side has read the sheet
                gate.wait()  # ``between`` is done: all go
                result = action()
                db.session.commit()
                outcomes[index] = WON if result is None else result
            except Exception as error:
                db.session.rollback()
                outcomes[index] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=item) for item in enumerate(sides)]
    for thread in threads:
        thread.start()
    try:
        gate.wait()
        if between is not None:
            between()
        gate.wait()
    except threading.BrokenBarrierError as error:
        raise AssertionError(f"a side could not read: {outcomes}") from error
    except BaseException:
        gate.abort()
        raise
    finally:
        for thread in threads:
            thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a side never finished"
    db.session.expire_all()
    return outcomes
