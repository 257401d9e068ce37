"""Password hashing with argon2id, and the passwords too easy to guess to be set."""

import functools
import re
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()

#: Fewer characters than this are refused when a password is set.
MIN_LENGTH = 10


def hash_password(password: str) -> str:
    """The argon2id hash of ``password`` in PHC string format."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches ``password_hash``; never raises on a wrong password."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with weaker parameters than today's."""
    return _hasher.check_needs_rehash(password_hash)


#: The most common passwords (international and Norwegian), one a line, lower-case.
COMMON_PASSWORDS_PATH = Path(__file__).resolve().parent / "data" / "common_passwords.txt"

#: What people add to a common word to meet a length rule: digits and punctuation.
_SUFFIX = re.compile(r"[\d\W_]+$")


@functools.cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords."""
    lines = COMMON_PASSWORDS_PATH.read_text(encoding="utf-8").splitlines()
    return frozenset(
        line.strip().lower() for line in lines if line.strip() and not line.startswith("#")
    )


def is_common(password: str) -> bool:
    """Whether ``password`` is a common password, or one followed by digits and punctuation
    (``Passord2024!``, ``sommer2025``)."""
    lowered = password.strip().lower()
    base = _SUFFIX.sub("", lowered)
    return lowered in common_passwords() or (bool(base) and base in common_passwords())


def is_personal(password: str, email: str, name: str) -> bool:
    """Whether ``password`` is the e-mail address, its user part, or the name (case and
    spaces aside)."""

    def plain(text: str) -> str:
        return re.sub(r"\s+", "", text).lower()

    given = plain(password)
    email = plain(email)
    candidates = {email, email.partition("@")[0], plain(name)}
    return given in {c for c in candidates if c}
