"""The feedback, reminder and injury buttons: one codec per flow, the same callback data as the
buttons already in chats, and an out-of-date answer for data that is not one of them."""

from __future__ import annotations

import re

import pytest

from coaching.clock import ManualClock
from conversations.feedback import (
    CLIENT,
    EXPIRED,
    PERF_KEYBOARD,
    REMINDER,
    REMINDER_PATTERN,
    SKIP_T,
    TRAINER,
    ClientAction,
    ReminderAction,
    TrainerAction,
    rpe_keyboard,
)
from conversations.injury import SEVERITY_KEYBOARD, SKIP, dismiss_button, part_keyboard
from tests.factories import Factory, finished, records
from tests.fakes.chat import ChatSimulator


def _data(markup: object) -> list[str]:
    rows = markup.inline_keyboard  # type: ignore[attr-defined]
    return [str(button.callback_data) for row in rows for button in row]


def test_the_keyboards_carry_the_data_of_the_buttons_already_in_chats() -> None:
    assert _data(rpe_keyboard(42)) == [f"fb:rpe:42:{n}" for n in range(1, 11)]
    assert _data(SKIP_T) == ["tf:k"]
    assert _data(PERF_KEYBOARD) == [f"tf:pr:{n}" for n in range(1, 6)] + ["tf:k"]
    assert _data(part_keyboard())[:3] == ["inj:p:knee", "inj:p:lback", "inj:p:shoulder"]
    assert _data(SEVERITY_KEYBOARD) == [f"inj:s:{n}" for n in range(1, 11)]
    assert _data(SKIP) == ["inj:k"]
    assert dismiss_button(7)[1] == "inj:x:7"


@pytest.mark.parametrize(
    ("encoded", "legacy"),
    [
        (CLIENT.encode(ClientAction.RATING, 5, 0), "fb:rt:5:0"),
        (CLIENT.encode(ClientAction.LIST), "fb:l"),
        (TRAINER.encode(TrainerAction.SEND, 9), "tf:send:9"),
        (TRAINER.encode(TrainerAction.CONTINUE), "tf:dc"),
        (REMINDER.encode(ReminderAction.REASON, 3, word="oth"), "rm:r:3:oth"),
        (REMINDER.encode(ReminderAction.ACCEPT, 3, 29_000_000), "rm:ok:3:29000000"),
    ],
)
def test_encoded_data_is_byte_identical_to_the_old_strings(encoded: str, legacy: str) -> None:
    assert encoded == legacy


def test_the_reminder_flow_answers_its_own_buttons_only() -> None:
    assert re.match(REMINDER_PATTERN, "rm:done:5")
    assert re.match(REMINDER_PATTERN, "rm:r:5:ill")
    assert not re.match(REMINDER_PATTERN, "rm:plan:5"), "the settings flow's button"


async def test_ids_too_long_to_be_ours_are_out_of_date(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    _, _, alice, _ = await finished(sim, session_factory, clock)
    for data in ("fb:s:999999999999", "fb:rpe:999999999999:3", "rm:done:999999999999"):
        await alice.press_data(data)
        assert alice.last_answer == EXPIRED, data
    [record] = await records(session_factory)
    assert record.trainee_feedback == {}
