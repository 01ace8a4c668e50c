"""The prompt-instruction repository: versions, each app's config and deployments, and changes made under a lock."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import RowMapping, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gateway.audit.records import AuditEntry
from gateway.prompts.records import DEFAULT_MODE, AppPrompts, Deployment, Mode, PromptVersion
from gateway.store.audit import append
from gateway.store.fix_revisions import bump_revision
from gateway.store.idempotency import KeyClaim, KeyUse, claim_key
from gateway.store.inserts import insert_skipping_duplicates
from gateway.store.tables import prompt_configs, prompt_deployments, prompt_versions

# The kind of fix the proxy's snapshots reload (see gateway.fixes.snapshots).
FIX_KIND = "prompts"
# The stored spelling of "every model of the app".
ANY_MODEL = ""


@dataclass(frozen=True, slots=True)
class DeploymentWrite:
    """What one app and model runs after a change."""

    model: str | None
    active_version_id: str | None
    previous_version_id: str | None
    canary_version_id: str | None
    canary_share: float | None
    canary_started_at: datetime | None


@dataclass(frozen=True, slots=True)
class PromptChange:
    """Everything one change writes: a new version, a deployment, the mode, and their audit records."""

    audit: tuple[AuditEntry, ...]
    new_version: PromptVersion | None = None
    deployment: DeploymentWrite | None = None
    mode: Mode | None = None


def stored_model(model: str | None) -> str:
    """`model` as the column holds it ('' for every model)."""
    return ANY_MODEL if model is None else model


def read_model(stored: str) -> str | None:
    """The column's model as the domain names it (None for every model)."""
    return None if stored == ANY_MODEL else stored


def version_from_row(row: RowMapping) -> PromptVersion:
    """A stored version as a record."""
    return PromptVersion(
        id=row["id"],
        app=row["app"],
        model=read_model(row["model"]),
        number=row["number"],
        text=row["text"],
        author=row["author"],
        message=row["message"],
        created_at=row["created_at"],
    )


async def _versions_by_id(connection: AsyncConnection, ids: Iterable[str | None]) -> dict[str, PromptVersion]:
    wanted = {version_id for version_id in ids if version_id is not None}
    if not wanted:
        return {}
    rows = await connection.execute(select(prompt_versions).where(prompt_versions.c.id.in_(wanted)))
    return {row["id"]: version_from_row(row) for row in rows.mappings()}


async def _app_prompts(connection: AsyncConnection, app: str) -> AppPrompts:
    """`app`'s config, deployments and latest version numbers, as one consistent read."""
    mode = (await connection.execute(select(prompt_configs.c.mode).where(prompt_configs.c.app == app))).scalar()
    d = prompt_deployments.c
    rows = [dict(row) for row in (await connection.execute(select(prompt_deployments).where(d.app == app))).mappings()]
    versions = await _versions_by_id(
        connection,
        [row[key] for row in rows for key in ("active_version_id", "canary_version_id", "previous_version_id")],
    )
    deployments = {
        read_model(row["model"]): Deployment(
            app=app,
            model=read_model(row["model"]),
            active=versions.get(row["active_version_id"] or ""),
            canary=versions.get(row["canary_version_id"] or ""),
            canary_share=row["canary_share"],
            canary_started_at=row["canary_started_at"],
            previous=versions.get(row["previous_version_id"] or ""),
        )
        for row in rows
    }
    v = prompt_versions.c
    latest = await connection.execute(select(v.model, func.max(v.number)).where(v.app == app).group_by(v.model))
    return AppPrompts(
        app=app,
        mode=mode or DEFAULT_MODE,
        deployments=deployments,
        latest_numbers={read_model(model): int(number) for model, number in latest},
    )


async def change_prompts(
    connection: AsyncConnection, app: str, plan: Callable[[AppPrompts], PromptChange], key: KeyClaim | None = None
) -> PromptChange | KeyUse:
    """Apply `plan`'s change to `app` under its lock with the fix revision raised, inside the caller's
    transaction, which appends the change's audit records last.

    With `key`, claimed once the app is locked: when an earlier request holds it, nothing is planned or
    written and its use is returned (gateway.store.idempotency.claim_key).
    """
    now = datetime.now(UTC)
    await _lock_app(connection, app, now)
    if key is not None and (earlier := await claim_key(connection, key, now)):
        return earlier
    change = plan(await _app_prompts(connection, app))
    if change.new_version is not None:
        version = change.new_version
        await connection.execute(
            insert(prompt_versions).values(
                id=version.id,
                app=version.app,
                model=stored_model(version.model),
                number=version.number,
                text=version.text,
                author=version.author,
                message=version.message,
                created_at=version.created_at,
            )
        )
    if change.deployment is not None:
        await _write_deployment(connection, app, change.deployment, now)
    if change.mode is not None:
        c = prompt_configs.c
        await connection.execute(update(prompt_configs).where(c.app == app).values(mode=change.mode, updated_at=now))
    await bump_revision(connection, FIX_KIND, app)
    return change


async def _lock_app(connection: AsyncConnection, app: str, now: datetime) -> None:
    """Take `app`'s config row lock (making the row first), so its changes never interleave.

    A no-op UPDATE takes the row lock on PostgreSQL and the write lock on SQLite before anything is read.
    """
    create = insert_skipping_duplicates(connection.dialect, prompt_configs, ["app"])
    await connection.execute(create.values(app=app, mode=DEFAULT_MODE, updated_at=now))
    c = prompt_configs.c
    await connection.execute(update(prompt_configs).where(c.app == app).values(mode=c.mode))


async def _write_deployment(connection: AsyncConnection, app: str, write: DeploymentWrite, now: datetime) -> None:
    d = prompt_deployments.c
    values = {
        "active_version_id": write.active_version_id,
        "previous_version_id": write.previous_version_id,
        "canary_version_id": write.canary_version_id,
        "canary_share": write.canary_share,
        "canary_started_at": write.canary_started_at,
        "updated_at": now,
    }
    model = stored_model(write.model)
    changed = await connection.execute(update(prompt_deployments).where(d.app == app, d.model == model).values(values))
    if not changed.rowcount:  # the app's lock is held: nobody else can be making this row
        await connection.execute(insert(prompt_deployments).values(app=app, model=model, **values))


class PromptStore:
    """Reads and changes prompt versions, configs and deployments."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def change(
        self, app: str, plan: Callable[[AppPrompts], PromptChange], key: KeyClaim | None = None
    ) -> PromptChange | KeyUse:
        """Apply `plan`'s change to `app` under its lock, with the fix revision raised and the audit records appended.

        `plan` sees the state as locked; whatever it raises rolls everything back. With `key` (a
        publication's idempotency key), claimed before planning: when an earlier request holds it,
        nothing is planned or written and its use is returned (gateway.store.idempotency.claim_key).
        """
        async with self._engine.begin() as connection:
            change = await change_prompts(connection, app, plan, key)
            if isinstance(change, KeyUse):
                return change
            # Last: appends wait for each other, so the audit chain's lock is held briefly.
            for entry in change.audit:
                await append(connection, entry)
        return change

    async def app_prompts(self, app: str) -> AppPrompts:
        """`app`'s config and deployments now (the default mode and none for an app without prompts)."""
        async with self._engine.connect() as connection:
            return await _app_prompts(connection, app)

    async def live(self, app: str) -> AppPrompts | None:
        """`app`'s prompts for the proxy's snapshot; None when no request of the app would see a version."""
        prompts = await self.app_prompts(app)
        return prompts if prompts.live else None

    async def version(self, version_id: str) -> PromptVersion | None:
        """One version by id."""
        async with self._engine.connect() as connection:
            return (await _versions_by_id(connection, [version_id])).get(version_id)

    async def versions(self, app: str) -> list[PromptVersion]:
        """Every version of `app`, newest first."""
        v = prompt_versions.c
        query = select(prompt_versions).where(v.app == app).order_by(v.created_at.desc(), v.id.desc())
        async with self._engine.connect() as connection:
            return [version_from_row(row) for row in (await connection.execute(query)).mappings()]

    async def apps(self) -> list[str]:
        """Every app with at least one version, by name."""
        query = select(prompt_versions.c.app).distinct().order_by(prompt_versions.c.app)
        async with self._engine.connect() as connection:
            return list((await connection.execute(query)).scalars())

    async def canaries(self) -> list[Deployment]:
        """Every deployment, of every app, that has a canary running now."""
        d = prompt_deployments.c
        query = select(d.app).where(d.canary_version_id.is_not(None)).distinct()
        async with self._engine.connect() as connection:
            apps = list((await connection.execute(query)).scalars())
            found: list[Deployment] = []
            for app in apps:
                prompts = await _app_prompts(connection, app)
                found.extend(deployment for deployment in prompts.deployments.values() if deployment.canary is not None)
        return found
