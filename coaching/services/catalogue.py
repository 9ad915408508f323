"""The exercise catalogue in the database: built-ins synced from the shipped data."""

from __future__ import annotations

from coaching.domain.catalogue import load_builtin_catalogue
from coaching.services.base import ServiceContext


async def sync_builtin_exercises(ctx: ServiceContext) -> int:
    """Make the database's built-in exercises match the shipped catalogue (idempotent)."""
    specs = load_builtin_catalogue()
    rows = [
        {
            "slug": spec.slug,
            "owner_user_id": None,
            "name": spec.name,
            "aliases": list(spec.aliases),
            "category": spec.category,
            "muscle_groups": list(spec.muscle_groups),
            "equipment": list(spec.equipment),
            "difficulty": spec.difficulty.value,
            "measure": spec.measure,
            "is_main_lift": spec.is_main_lift,
            "is_active": True,
        }
        for spec in specs
    ]
    async with ctx.uow() as uow:
        await uow.exercises.upsert_builtins(rows)
        await uow.commit()
    return len(rows)
