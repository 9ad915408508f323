"""/trainers and trainer links: browse, filter, open a card, request coaching, answer it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from coaching.domain.enums import RelationshipStatus, RelationshipType
from storage.models import ClientProfile, PermissionSet, Relationship, TrainerProfile, User
from tests.factories import make_public, register
from tests.fakes.chat import ChatSimulator


async def _relationships(factory: async_sessionmaker[AsyncSession]) -> list[Relationship]:
    async with factory() as session:
        return list((await session.execute(select(Relationship))).scalars())


async def test_browse_filter_request_and_accept_end_to_end(
    sim: ChatSimulator, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    alice = await register(sim, 1001, "Alice", "trainer")
    await make_public(alice)
    dora = await register(sim, 1002, "Dora", "trainer")
    await make_public(dora, category="Mobility")
    await register(sim, 1003, "Priya", "trainer")  # private: never listed

    bob = await register(sim, 2001, "Bob", "client")
    await bob.send("/trainers")
    listing = bob.last_reply
    assert "2 trainers" in listing.text
    assert "Alice" in listing.text
    assert "Dora" in listing.text
    assert "Priya" not in listing.text

    await bob.press("Category")
    await bob.press("Mobility")
    assert "Dora" in bob.last_reply.text
    assert "Alice" not in bob.last_reply.text
    await bob.press("Clear filters")
    await bob.press("Tag")
    await bob.send("x" * 40)
    assert "at most 32 characters" in bob.last_reply.text
    await bob.send("nothing-here")
    assert "No public trainers match" in bob.last_reply.text
    await bob.press("Clear filters")

    await bob.press("Alice")
    assert "🏋️ Alice" in bob.last_reply.text
    assert "Accepting new clients" in bob.last_reply.text
    await bob.press("Request coaching")
    await bob.press("Online")
    assert "Request sent to Alice (online)" in bob.last_reply.text

    notice = alice.last_reply
    assert "New coaching request" in notice.text
    assert "Bob" in notice.text
    rel = (await _relationships(session_factory))[0]
    assert (rel.status, rel.relationship_type) == (
        RelationshipStatus.PENDING,
        RelationshipType.ONLINE,
    )

    # Asking twice while pending.
    await bob.send("/trainers")
    await bob.press("Alice")
    assert "waiting for their answer" in bob.last_reply.text
    assert "Request coaching" not in bob.last_reply.flat_buttons
    await bob.press_data(f"dir:rt:p{rel.trainer_user_id}:i")
    assert bob.last_answer is not None

    # Another trainer cannot answer Alice's request.
    await dora.press_data(f"dir:acc:{rel.id}")
    assert dora.last_answer is not None
    assert "isn't one of yours" in dora.last_answer

    await alice.press("Accept", message_id=notice.message_id)
    assert "You accepted Bob" in alice.last_reply.text
    assert "accepted your coaching request" in bob.last_reply.text
    await alice.press_data(f"dir:dec:{rel.id}", message_id=notice.message_id)
    assert alice.last_answer is not None
    assert "already answered" in alice.last_answer

    async with session_factory() as session:
        rel2 = await session.get(Relationship, rel.id)
        assert rel2 is not None
        assert rel2.status is RelationshipStatus.ACTIVE
        assert rel2.start_date is not None
        assert rel2.start_date.isoformat() == "2026-11-23"
        profile = await session.get(ClientProfile, rel2.client_profile_id)
        assert profile is not None
        assert profile.name == "Bob"
        assert (await session.get(PermissionSet, rel.id)) is not None
        bob_user = (
            await session.execute(select(User).where(User.telegram_id == 2001))
        ).scalar_one()
        assert profile.user_id == bob_user.id


async def test_decline_self_request_and_full_trainer(
    sim: ChatSimulator, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    alice = await register(sim, 1001, "Alice", "trainer")
    await make_public(alice)
    await alice.send("/trainers")
    await alice.press("Alice")
    assert "your own profile" in alice.last_reply.text
    assert "Request coaching" not in alice.last_reply.flat_buttons
    async with session_factory() as session:
        trainer_profile = (await session.execute(select(TrainerProfile))).scalar_one()
    await alice.press_data(f"dir:rt:p{trainer_profile.id}:i")
    assert alice.last_answer is not None
    assert "from yourself" in alice.last_answer

    bob = await register(sim, 2001, "Bob", "client")
    await bob.send("/trainers")
    await bob.press("Alice")
    await bob.press("Request coaching")
    await bob.press("In person")
    await alice.press("Decline")
    assert "You declined Bob" in alice.last_reply.text
    assert "declined your coaching request" in bob.last_reply.text
    rel = (await _relationships(session_factory))[0]
    assert rel.status is RelationshipStatus.TERMINATED
    assert rel.status_reason == "Declined by the trainer."

    # Client limit 1: a pending request fills it, so a second client can't ask.
    await alice.send("/profile")
    await alice.press("Edit profile")
    await alice.press("Client limit")
    await alice.send("1")
    await bob.send("/trainers")
    await bob.press("Alice")
    await bob.press("Request coaching")
    await bob.press("Hybrid")
    cara = await register(sim, 2002, "Cara", "client")
    await cara.send("/trainers")
    await cara.press("Alice")
    assert "Not taking new clients" in cara.last_reply.text
    assert "Request coaching" not in cara.last_reply.flat_buttons
    await cara.press_data(f"dir:rt:p{trainer_profile.id}:i")
    assert cara.last_answer is not None
    assert "isn't taking new clients" in cara.last_answer
    assert len(await _relationships(session_factory)) == 2


async def test_unlisted_link_private_link_and_made_up_codes(
    sim: ChatSimulator, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    alice = await register(sim, 1001, "Alice", "trainer")
    await alice.send("/profile")
    await alice.press("Edit profile")
    await alice.press("Visibility")
    await alice.press("Unlisted")
    async with session_factory() as session:
        profile = (await session.execute(select(TrainerProfile))).scalar_one()
    code = profile.share_code
    assert code

    bob = await register(sim, 2001, "Bob", "client")
    await bob.send("/trainers")
    assert "Alice" not in bob.last_reply.text
    await bob.press_data(f"dir:o:p{profile.id}")
    assert bob.last_answer is not None
    assert "can't find that trainer" in bob.last_answer

    newcomer = sim.user(3001, "Nell")
    await newcomer.send(f"/start tr_{code}")
    assert "🏋️ Alice" in newcomer.last_reply.text
    await newcomer.press("Request coaching")
    await newcomer.press("In person")
    assert "Request sent to Alice" in newcomer.last_reply.text
    assert "/start to finish setting up" in newcomer.last_reply.text
    assert "New coaching request" in alice.last_reply.text

    await bob.send("/start tr_madeUpCode123")
    assert "can't find that trainer" in bob.last_reply.text

    await alice.send("/profile")
    await alice.press("Edit profile")
    await alice.press("Visibility")
    await alice.press("Private")
    await bob.send(f"/start tr_{code}")
    assert "isn't taking requests via links" in bob.last_reply.text
    await bob.send("/start")
    assert "Welcome back" in bob.last_reply.text, "a plain /start still reaches /start"


async def test_cancel_and_stale_directory_buttons(sim: ChatSimulator) -> None:
    stranger = sim.user(4001, "Sam")
    await stranger.send("/trainers")
    assert "Send /start first" in stranger.last_reply.text

    bob = await register(sim, 2001, "Bob", "client")
    await bob.send("/trainers")
    await bob.press("Tag")
    await bob.send("/cancel")
    assert "Cancelled" in bob.last_reply.text
    await bob.press_data("dir:zz")
    assert bob.last_answer is not None
    assert "expired" in bob.last_answer
    await bob.press_data("dir:acc:abc")
    assert bob.last_answer is not None
    assert "expired" in bob.last_answer
