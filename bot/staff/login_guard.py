"""What stands between a password guesser and the accounts.

- Every attempt is counted as a failure *before* the password is checked, in
  one Lua script (:data:`ATTEMPT_SCRIPT`), so a burst of parallel guesses cannot
  slip past the limit while hashes are being computed; a success takes its
  count back.
- Three counters, each over :data:`WINDOW_S`: the account from one address
  (:data:`MAX_PER_ACCOUNT_AND_ADDRESS`), one address over all accounts
  (:data:`MAX_PER_ADDRESS`) and one account from everywhere
  (:data:`MAX_PER_ACCOUNT`). A guesser locks out their own address, or, with
  many addresses, the one account they aim at; never every member of staff
  behind a shared proxy.
- argon2 runs in a thread pool of half the cores (argon2-cffi releases the
  GIL), never on the event loop; when :data:`MAX_PENDING_HASHES` are already waiting, the
  attempt is refused at once (:class:`LoginBusy`) instead of queueing without bound.
"""

from __future__ import annotations

import asyncio
import functools
import os
import secrets
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Final, TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from redis.asyncio import Redis

from bot.core import keys

__all__ = ["LoginBusy", "LoginGuard", "TooManyLoginFailures", "hash_password"]

WINDOW_S: Final = 15 * 60
MAX_PER_ACCOUNT_AND_ADDRESS: Final = 10
MAX_PER_ADDRESS: Final = 50
MAX_PER_ACCOUNT: Final = 100
#: Half the cores: the other half keeps serving customers while hashes run.
HASH_THREADS: Final = max(1, (os.cpu_count() or 2) // 2)
MAX_PENDING_HASHES: Final = 16

# KEYS[1] failures of (account, address), KEYS[2] of the address, KEYS[3] of the account
# ARGV[1], ARGV[2], ARGV[3] their limits, ARGV[4] the window in seconds
# Returns 0 (nothing counted) when a limit is reached, else counts the attempt on all three and returns 1.
ATTEMPT_SCRIPT: Final = """
for i = 1, 3 do
  if tonumber(redis.call('GET', KEYS[i]) or '0') >= tonumber(ARGV[i]) then return 0 end
end
for i = 1, 3 do
  redis.call('INCR', KEYS[i])
  redis.call('EXPIRE', KEYS[i], ARGV[4])
end
return 1
"""

# KEYS as ATTEMPT_SCRIPT. A successful login: its attempt was no failure, and
# the account's failures from this address are forgiven.
SUCCESS_SCRIPT: Final = """
redis.call('DEL', KEYS[1])
for i = 2, 3 do
  if tonumber(redis.call('GET', KEYS[i]) or '0') > 0 then redis.call('DECR', KEYS[i]) end
end
return 1
"""

_hasher = PasswordHasher()
_pool = ThreadPoolExecutor(max_workers=HASH_THREADS, thread_name_prefix="argon2")
T = TypeVar("T")


class TooManyLoginFailures(Exception):
    """Too many failed logins for this account or address; try again later."""


class LoginBusy(Exception):
    """Too many password checks are already waiting; try again in a moment."""


@functools.cache
def _unknown_user_hash() -> str:
    # Verifying against this for unknown usernames makes a wrong username cost
    # as much time as a wrong password.
    return _hasher.hash(secrets.token_urlsafe(16))


def _verify(stored: str, password: str) -> bool:
    try:
        return bool(_hasher.verify(stored or _unknown_user_hash(), password)) and bool(stored)
    except (VerificationError, InvalidHashError):
        return False


async def _off_the_loop(fn: Callable[..., T], *args: object) -> T:
    return await asyncio.get_running_loop().run_in_executor(_pool, fn, *args)


async def hash_password(password: str) -> str:
    """The argon2 hash of ``password``, computed off the event loop."""
    return await _off_the_loop(_hasher.hash, password)


class LoginGuard:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self._attempt = redis.register_script(ATTEMPT_SCRIPT)
        self._success = redis.register_script(SUCCESS_SCRIPT)
        self._pending = 0

    @staticmethod
    def _keys(username: str, address: str) -> list[str]:
        return [
            keys.login_failures_key(f"pair:{username}:{address}"),
            keys.login_failures_key(f"addr:{address}"),
            keys.login_failures_key(f"user:{username}"),
        ]

    async def check(self, username: str, address: str, stored_hash: str, password: str) -> bool:
        """Whether ``password`` matches ``stored_hash`` (empty: no such account), within the limits.

        Raises :class:`TooManyLoginFailures` or :class:`LoginBusy` without checking anything.
        """
        if self._pending >= MAX_PENDING_HASHES:
            raise LoginBusy()
        subjects = self._keys(username, address)
        limits = [MAX_PER_ACCOUNT_AND_ADDRESS, MAX_PER_ADDRESS, MAX_PER_ACCOUNT, WINDOW_S]
        if not await self._attempt(keys=subjects, args=limits):
            raise TooManyLoginFailures()
        self._pending += 1
        try:
            valid = await _off_the_loop(_verify, stored_hash, password)
        finally:
            self._pending -= 1
        if valid:
            await self._success(keys=subjects, args=[])
        return valid
