"""An app for the real-server tests of ``validation_alias=AliasChoices(...)``: the names a client
sends reach the parameter through each server's own header and query handling."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AliasChoices, BaseModel, Field

from genever import Cookie, Genever, Header, Query

app = Genever()


class Filters(BaseModel):
    tags: Annotated[list[str], Field(validation_alias=AliasChoices("tag", "label"))] = []


@app.get("/health")
async def health() -> dict[str, bool]:
    return {"ok": True}


@app.get("/read")
async def read(
    token: Annotated[str, Header(validation_alias=AliasChoices("X-Token", "X-Legacy-Token"))],
    page: Annotated[int, Query(validation_alias=AliasChoices("page", "p"))] = 1,
    session: Annotated[str | None, Cookie(validation_alias=AliasChoices("sid", "session"))] = None,
) -> dict[str, Any]:
    return {"token": token, "page": page, "session": session}


@app.get("/filters")
async def filters(data: Annotated[Filters, Query()]) -> dict[str, Any]:
    return data.model_dump()
