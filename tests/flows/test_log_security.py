"""Live logging is only for the client and their trainer; forged, stale and repeated presses."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import update

from coaching.clock import ManualClock
from coaching.domain.enums import RecordStatus, RelationshipStatus
from coaching.domain.permissions import PermissionFlags
from storage.models import PermissionSet, Relationship
from tests.factories import (
    Factory,
    live_message,
    make_coaching,
    make_user,
    plan_session,
    records,
    sets_of,
    trainer_and_client,
)
from tests.fakes.botapi import FakeBotAPI
from tests.fakes.chat import ChatSimulator

NOT_YOURS = "I can't find that session among yours."


async def test_two_trainers_logging_at_once_never_see_each_other(
    sim: ChatSimulator, session_factory: Factory, api: FakeBotAPI
) -> None:
    tom_user = await make_user(session_factory, 1001, "Tom", trainer=True)
    uma_user = await make_user(session_factory, 1002, "Uma", trainer=True)
    alice = await make_user(session_factory, 2001, "Alice", client=True)
    bob = await make_user(session_factory, 2002, "Bob", client=True)
    a = await make_coaching(session_factory, tom_user, alice)
    b = await make_coaching(session_factory, uma_user, bob)
    tom, uma = sim.user(1001, "Tom"), sim.user(1002, "Uma")

    await tom.send("/log")
    assert tom.last_reply.flat_buttons == ["Alice"]
    await uma.send("/log")
    assert uma.last_reply.flat_buttons == ["Bob"]
    await tom.press("Alice")
    await uma.press("Bob")
    await tom.press("Unplanned session")
    await uma.press("Unplanned session")
    for user, lift in ((tom, "squat"), (uma, "bench")):
        await user.send(lift)
        await user.press(user.last_reply.flat_buttons[0])
    await tom.send("100x5")
    await uma.send("60x8")
    await tom.send("same")
    await uma.send("+2.5")

    [tom_record] = await records(session_factory, a.profile.id)
    [uma_record] = await records(session_factory, b.profile.id)
    assert [(s.weight_kg, s.reps) for s in await sets_of(session_factory, tom_record.id)] == [
        (Decimal(100), 5),
        (Decimal(100), 5),
    ]
    assert [(s.weight_kg, s.reps) for s in await sets_of(session_factory, uma_record.id)] == [
        (Decimal(60), 8),
        (Decimal("62.5"), 8),
    ]
    assert "Bob" not in " ".join(r.text for r in tom.replies)
    assert "Alice" not in " ".join(r.text for r in uma.replies)

    # Uma forges Tom's session in every way she can: nothing changes and nothing leaks.
    for data in (
        f"lg:ok:{tom_record.id}",
        f"lg:sm:{tom_record.id}",
        f"lg:z:{tom_record.id}",
        f"lg:m:{tom_record.id}",
        f"lg:fy:{tom_record.id}",
        f"lg:r:{tom_record.id}:9",
        f"lg:xa:{tom_record.id}:1",
        "lg:ok:99999",
    ):
        await uma.press_data(data)
        assert uma.last_answer == NOT_YOURS, data
        assert uma.last_answer_alert
    await uma.press_data(f"lg:c:{a.profile.id}")
    assert uma.last_answer == "I can't find that client among yours."
    await uma.press_data("lg:c:99999")
    assert uma.last_answer == "I can't find that client among yours."
    await uma.press_data(f"lg:u:{a.profile.id}")
    assert uma.last_answer == NOT_YOURS
    assert len(await sets_of(session_factory, tom_record.id)) == 2
    assert len(await records(session_factory)) == 2


async def test_another_client_cannot_log_into_a_clients_session(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    coaching = await trainer_and_client(session_factory)
    planned = await plan_session(session_factory, coaching, at=clock.now())
    await make_user(session_factory, 2999, "Mal", client=True)
    tom, mal = sim.user(1001, "Tom"), sim.user(2999, "Mal")
    await tom.send("/log")
    await tom.press("Alice")
    await tom.press("Lower A")
    await tom.send("100x5")
    [record] = await records(session_factory)

    await mal.send("/log")
    for data in (
        f"lg:ok:{record.id}",
        f"lg:n:{record.id}",
        f"lg:p:{planned.coaching_session_id}",
        f"fb:rpe:{record.id}:5",
    ):
        await mal.press_data(data)
        assert mal.last_answer == NOT_YOURS, data
    assert len(await sets_of(session_factory, record.id)) == 1
    assert "Lower A" not in " ".join(r.text for r in mal.replies)


async def test_trainer_without_modify_permission_is_refused(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    coaching = await trainer_and_client(
        session_factory, flags=PermissionFlags(modify_workouts=False)
    )
    planned = await plan_session(session_factory, coaching, at=clock.now())
    tom, alice = sim.user(1001, "Tom"), sim.user(2001, "Alice")
    await tom.send("/log")
    await tom.press("Alice")
    refusal = "The client has not allowed you to change or log their workouts."
    assert tom.last_answer == refusal
    await tom.press_data(f"lg:p:{planned.coaching_session_id}")
    assert tom.last_answer == refusal

    # The client's own session is theirs to log; the trainer still cannot press into it.
    await alice.send("/log")
    await alice.press("Lower A")
    [record] = await records(session_factory)
    await tom.press_data(f"lg:ok:{record.id}")
    assert tom.last_answer == refusal
    assert await sets_of(session_factory, record.id) == []


async def test_stale_buttons_after_finishing_say_so(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    await trainer_and_client(session_factory)
    tom, alice = sim.user(1001, "Tom"), sim.user(2001, "Alice")
    await tom.send("/log")
    await tom.press("Alice")
    await tom.press("Unplanned session")
    await tom.send("squat")
    await tom.press("Barbell Back Squat")
    await tom.send("100x5")
    live_id = live_message(tom).message_id
    [record] = await records(session_factory)

    # The client opens the same live session from her chat, then the trainer finishes it.
    await alice.send("/log")
    assert "Resuming" in live_message(alice).text
    await tom.press("🏁 Finish")
    await tom.press("Yes, finish")
    await tom.press_data(f"lg:sm:{record.id}", message_id=live_id)
    assert tom.last_answer == "This session is finished."
    await alice.send("100x5")
    assert "This session is finished" in alice.last_reply.text
    await alice.press("Same")
    assert alice.last_answer == "This session is finished."
    assert len(await sets_of(session_factory, record.id)) == 1
    [record] = await records(session_factory)
    assert record.status is RecordStatus.COMPLETED


async def test_a_redelivered_set_is_logged_once(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    await trainer_and_client(session_factory)
    tom = sim.user(1001, "Tom")
    await tom.send("/log")
    await tom.press("Alice")
    await tom.press("Unplanned session")
    await tom.send("squat")
    await tom.press("Barbell Back Squat")
    await tom.send("3x5x100")
    update = sim.last_update
    assert update is not None
    await sim.replay(update)
    await tom.press("Same")
    press = sim.last_update
    assert press is not None
    await sim.replay(press)
    [record] = await records(session_factory)
    assert len(await sets_of(session_factory, record.id)) == 4


async def test_forged_malformed_data_is_refused(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    await trainer_and_client(session_factory)
    tom = sim.user(1001, "Tom")
    await tom.send("/log")
    for data in ("lg:", "lg:ok", "lg:ok:abc", "lg:zz:1", "fb:rpe:x:1"):
        await tom.press_data(data)
        assert tom.last_answer is not None, data
        assert tom.last_answer_alert, data
    assert await records(session_factory) == []


@pytest.mark.parametrize(
    ("change", "reply"),
    [
        ("revoke", "The client has not allowed you to change or log their workouts."),
        ("terminate", NOT_YOURS),
        (
            "pause",
            "Your coaching relationship with this client is paused, so this is not available.",
        ),
        ("keep", None),
    ],
)
async def test_a_change_mid_session_binds_the_next_typed_set(
    sim: ChatSimulator,
    session_factory: Factory,
    clock: ManualClock,
    change: str,
    reply: str | None,
) -> None:
    """The check rides on the set's own read: the client revoking "modify workouts", or the
    relationship pausing or ending, binds the very next set."""
    coaching = await trainer_and_client(session_factory)
    await plan_session(session_factory, coaching, at=clock.now())
    tom = sim.user(1001, "Tom")
    await tom.send("/log")
    await tom.press("Alice")
    await tom.press("Lower A")
    await tom.send("100x5")
    [record] = await records(session_factory)

    async with session_factory() as session:
        if change == "keep":
            pass
        elif change == "revoke":
            await session.execute(
                update(PermissionSet)
                .where(PermissionSet.relationship_id == coaching.relationship.id)
                .values(modify_workouts=False)
            )
        else:
            status = (
                RelationshipStatus.TERMINATED
                if change == "terminate"
                else RelationshipStatus.PAUSED
            )
            await session.execute(
                update(Relationship)
                .where(Relationship.id == coaching.relationship.id)
                .values(status=status)
            )
        await session.commit()
    await tom.send("102.5x5")

    logged = [s.weight_kg for s in await sets_of(session_factory, record.id)]
    if reply is None:
        assert logged == [Decimal(100), Decimal("102.5")]
        assert "Logged: 102.5 kg × 5" in live_message(tom).text
    else:
        assert tom.last_reply.text == reply
        assert logged == [Decimal(100)]


async def test_forged_live_card_buttons_are_refused_and_change_nothing(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    coaching = await trainer_and_client(session_factory)
    await plan_session(session_factory, coaching, at=clock.now())
    tom = sim.user(1001, "Tom")
    await tom.send("/log")
    await tom.press("Alice")
    await tom.press("Lower A")
    await tom.send("100x5")
    [record] = await records(session_factory)
    rid = record.id
    shown = live_message(tom).text
    # A set type out of range, a rating or a pick without its value, a malformed id.
    for data in (f"lg:t:{rid}:0:9", f"lg:t:{rid}:5:0", f"lg:r:{rid}", f"lg:xs:{rid}", "lg:sm:1x"):
        await tom.press_data(data, message_id=live_message(tom).message_id)
        assert tom.last_answer is not None, data
        assert "expired" in tom.last_answer, data
    sets = await sets_of(session_factory, rid)
    assert [(s.reps, s.set_type.value) for s in sets] == [(5, "normal")]
    assert live_message(tom).text == shown
