"""/injury: the report lands on the client's profiles and alerts each active trainer."""

from __future__ import annotations

from sqlalchemy import select

from coaching.domain.enums import AlertSeverity, AlertType, RelationshipStatus
from storage.models import ClientAlert, ClientProfile
from tests.factories import Factory, make_coaching, make_user
from tests.fakes.chat import ChatSimulator


async def _alerts(factory: Factory) -> list[ClientAlert]:
    async with factory() as session:
        rows = await session.execute(
            select(ClientAlert)
            .where(ClientAlert.alert_type == AlertType.INJURY_REPORTED)
            .order_by(ClientAlert.id)
        )
        return list(rows.scalars())


async def test_report_goes_to_every_active_trainer_and_profile(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    tom = await make_user(session_factory, 1001, "Tom", trainer=True)
    una = await make_user(session_factory, 1002, "Una", trainer=True)
    vic = await make_user(session_factory, 1003, "Vic", trainer=True)
    alice_user = await make_user(session_factory, 2001, "Alice", client=True)
    await make_coaching(session_factory, tom, alice_user)
    await make_coaching(session_factory, una, alice_user, name="Alice B")
    await make_coaching(session_factory, vic, alice_user, status=RelationshipStatus.TERMINATED)
    alice = sim.user(2001, "Alice")
    t, u, v = sim.user(1001, "Tom"), sim.user(1002, "Una"), sim.user(1003, "Vic")

    await alice.send("/injury")
    assert "Where does it hurt?" in alice.last_reply.text
    await alice.send("x" * 80)
    assert "⚠️" in alice.last_reply.text, "too long: same step"
    await alice.send("left  KNEE")
    assert "Left knee: how bad is it" in alice.last_reply.text
    await alice.send("8")
    assert alice.last_reply.text == "Please tap a number from 1 to 10 above, or send /cancel."
    edited = await alice.press("8")
    assert "What happened" in edited[-1].text
    await alice.send("Sharp pain when squatting")
    assert "Noted: Left knee, 8/10. Tom and Una have been told." in alice.last_reply.text
    assert "see a doctor" in alice.last_reply.text

    assert "⚠️ Alice reported an injury: Left knee, 8/10 (high)." in t.last_reply.text
    assert "Sharp pain when squatting" in t.last_reply.text
    assert "⚠️ Alice B reported an injury" in u.last_reply.text
    assert v.replies == []
    alerts = await _alerts(session_factory)
    assert [(a.trainer_user_id, a.severity) for a in alerts] == [
        (tom.id, AlertSeverity.HIGH),
        (una.id, AlertSeverity.HIGH),
    ]
    assert alerts[0].dedup_key == "injury:left knee:2026-11-23"
    async with session_factory() as session:
        profiles = (
            (await session.execute(select(ClientProfile).order_by(ClientProfile.id)))
            .scalars()
            .all()
        )
    with_report = [p for p in profiles if p.injuries]
    assert len(with_report) == 3, "Tom's, Una's and her own profile; not the ended one"
    entry = with_report[0].injuries[0]
    assert entry["part"] == "Left knee"
    assert entry["severity"] == 8
    assert entry["text"] == "Sharp pain when squatting"
    assert entry["reported_at"].startswith("2026-11-23T09:00")

    # The same part again today: stored, but no second open alert, and no repeat notice.
    await alice.send("/injury")
    await alice.press("Knee")
    await alice.press("3")
    await alice.press("Skip ›")
    assert "Left knee" not in alice.last_reply.text
    await alice.send("/injury")
    await alice.send("left knee")
    await alice.press("2")
    await alice.press("Skip ›")
    assert "already reported your left knee today" in alice.last_reply.text
    assert len(await _alerts(session_factory)) == 4, "Knee (new part) adds one per trainer"


async def test_low_severity_without_trainer_and_cancel(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    await make_user(session_factory, 2001, "Alice", client=True)
    alice = sim.user(2001, "Alice")
    await alice.send("/injury")
    await alice.press("Shoulder")
    await alice.send("/cancel")
    assert "Cancelled" in alice.last_reply.text
    async with session_factory() as session:
        assert (await session.execute(select(ClientProfile))).first() is None
    await alice.send("/injury")
    await alice.press("Shoulder")
    await alice.press("2")
    await alice.send("   ")
    assert "⚠️" in alice.last_reply.text
    await alice.send("mild ache after pressing")
    assert "you have no active trainer" in alice.last_reply.text
    assert "doctor" not in alice.last_reply.text
    assert await _alerts(session_factory) == []


async def test_forged_injury_buttons(sim: ChatSimulator, session_factory: Factory) -> None:
    tom = await make_user(session_factory, 1001, "Tom", trainer=True)
    other = await make_user(session_factory, 1002, "Una", trainer=True)
    client = await make_user(session_factory, 2001, "Alice", client=True)
    await make_coaching(session_factory, tom, client)
    await make_coaching(session_factory, other, client)
    alice = sim.user(2001, "Alice")
    await alice.send("/injury")
    await alice.press_data("inj:p:spleen")
    assert alice.last_answer_alert
    await alice.press("Hip")
    await alice.press_data("inj:s:11")
    assert alice.last_answer_alert
    await alice.press("9")
    await alice.press("Skip ›")
    [mine, theirs] = await _alerts(session_factory)
    assert theirs.severity is AlertSeverity.CRITICAL
    una = sim.user(1002, "Una")
    await una.press_data(f"inj:x:{mine.id}")
    assert una.last_answer == "I can't find that among yours."
    await alice.press_data(f"inj:x:{mine.id}")
    assert alice.last_answer_alert
    assert not any(a.is_resolved for a in await _alerts(session_factory))
