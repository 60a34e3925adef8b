"""OAuth2 password flow with JWT bearer tokens and argon2 password hashes, with scopes.

    genever run examples.jwt_auth:app
    curl -d 'username=alice&password=secret&scope=me items' localhost:8000/token
    curl -H 'Authorization: Bearer <token>' localhost:8000/users/me

FastAPI's "OAuth2 with Password, Bearer with JWT tokens" and "OAuth2 scopes"
tutorials, written for genever.
"""

from __future__ import annotations

import datetime
import os
from typing import Annotated

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import VerifyMismatchError
from pydantic import BaseModel

from genever import Depends, Genever, HTTPException, Security
from genever.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm, SecurityScopes

SECRET_KEY = os.environ.get("JWT_SECRET", "change-me-in-production-please-32b")
ALGORITHM = "HS256"
TOKEN_MINUTES = 30

hasher = PasswordHasher()
USERS = {
    "alice": {"username": "alice", "full_name": "Alice", "hashed_password": hasher.hash("secret"), "disabled": False},
    "bob": {"username": "bob", "full_name": "Bob", "hashed_password": hasher.hash("hunter2"), "disabled": True},
}

oauth2_scheme = OAuth2PasswordBearer(
    tokenUrl="token", scopes={"me": "Read information about the current user.", "items": "Read items."}
)
app = Genever(title="JWT example")


class Token(BaseModel):
    access_token: str
    token_type: str


class User(BaseModel):
    username: str
    full_name: str | None = None
    disabled: bool = False


def authenticate(username: str, password: str) -> User | None:
    record = USERS.get(username)
    if record is None:
        return None
    try:
        hasher.verify(str(record["hashed_password"]), password)
    except VerifyMismatchError:
        return None
    return User(**{k: v for k, v in record.items() if k != "hashed_password"})  # type: ignore[arg-type]


def create_access_token(subject: str, scopes: list[str]) -> str:
    expires = datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=TOKEN_MINUTES)
    return jwt.encode({"sub": subject, "scopes": scopes, "exp": expires}, SECRET_KEY, algorithm=ALGORITHM)


async def get_current_user(security_scopes: SecurityScopes, token: Annotated[str, Depends(oauth2_scheme)]) -> User:
    authenticate_value = f'Bearer scope="{security_scopes.scope_str}"' if security_scopes.scopes else "Bearer"
    unauthorized = HTTPException(
        status_code=401, detail="Could not validate credentials", headers={"WWW-Authenticate": authenticate_value}
    )
    try:
        payload = jwt.decode(token, SECRET_KEY, algorithms=[ALGORITHM])
    except jwt.InvalidTokenError:
        raise unauthorized from None
    username = payload.get("sub")
    record = USERS.get(username or "")
    if record is None:
        raise unauthorized
    granted = payload.get("scopes", [])
    for scope in security_scopes.scopes:
        if scope not in granted:
            raise HTTPException(
                status_code=401, detail="Not enough permissions", headers={"WWW-Authenticate": authenticate_value}
            )
    return User(**{k: v for k, v in record.items() if k != "hashed_password"})  # type: ignore[arg-type]


async def get_current_active_user(user: Annotated[User, Security(get_current_user, scopes=["me"])]) -> User:
    if user.disabled:
        raise HTTPException(status_code=400, detail="Inactive user")
    return user


@app.post("/token")
async def login(form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> Token:
    user = authenticate(form.username, form.password)
    if user is None:
        raise HTTPException(status_code=400, detail="Incorrect username or password")
    return Token(access_token=create_access_token(user.username, form.scopes), token_type="bearer")


@app.get("/users/me")
async def read_me(user: Annotated[User, Depends(get_current_active_user)]) -> User:
    return user


@app.get("/users/me/items")
async def read_my_items(user: Annotated[User, Security(get_current_active_user, scopes=["items"])]) -> list[dict]:  # type: ignore[type-arg]
    return [{"item_id": "Foo", "owner": user.username}]
