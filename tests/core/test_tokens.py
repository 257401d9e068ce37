"""Link tokens: derived from the secret key and a stored nonce; only a hash is stored."""

import hashlib
import hmac
import re

from fieldkit.core import tokens

#: A known-answer vector, computed outside fieldkit (``openssl dgst -sha256 -hmac KEY -binary |
#: base64`` with the URL-safe alphabet and no padding, then ``sha256sum`` of the token).
KEY = "test-secret-key-that-is-long-enough-0123456789"
NONCE = "00112233445566778899aabbccddeeff"
TOKEN = "tmCYKTo_sk9I5gJyE5t3-VRR7WiE44XU9SzhAtnRxxU"
TOKEN_SHA256 = "c3ecc35bf5b6a4957442a46b097eb71e3cab5c56e63e54a07554e52609731111"
TOKEN_KEYED = "def9e187613ff518df4a528aad5b21b1a37371c3210ccb30da0b5e613e8ec3e1"


def test_a_token_is_derived_from_the_nonce_the_purpose_and_the_secret_key(app):
    nonce = tokens.new_nonce()
    token = tokens.derive(b"case-link|", nonce)
    assert re.fullmatch(tokens.TOKEN_PATTERN, token)
    assert tokens.derive(b"case-link|", nonce) == token  # the same link can be sent again
    assert tokens.derive(b"open-link|", nonce) != token
    assert tokens.derive(b"case-link|", tokens.new_nonce()) != token
    app.config["SECRET_KEY"] = "another installation's secret key, just as long as ours"
    assert tokens.derive(b"case-link|", nonce) != token


def test_the_token_and_its_hashes_match_a_known_answer(app):
    """HMAC-SHA-256 of purpose + nonce under the secret key, base64url without padding."""
    app.config["SECRET_KEY"] = KEY
    assert tokens.derive(b"case-link|", NONCE) == TOKEN
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", TOKEN)
    assert tokens.token_hash(TOKEN) == TOKEN_SHA256
    assert tokens.keyed_hash(b"referent-token:", TOKEN) == TOKEN_KEYED


def test_nonces_are_128_random_bits():
    nonces = {tokens.new_nonce() for _ in range(1000)}
    assert len(nonces) == 1000
    assert all(re.fullmatch(r"[0-9a-f]{32}", nonce) for nonce in nonces)
    # Every hex digit turns up in every position: not a counter, not a constant prefix.
    for position in range(32):
        assert len({nonce[position] for nonce in nonces}) == 16, position


def test_what_is_stored_does_not_reveal_the_token(app):
    token = tokens.derive(b"case-link|", tokens.new_nonce())
    stored = tokens.token_hash(token)
    assert len(stored) == 64 and token not in stored
    # A one-way hash of the token, not a reversible encoding of it (such as the token's
    # decoded bytes in hex, which would also be 64 characters without the token in them).
    assert stored == hashlib.sha256(token.encode()).hexdigest()
    keyed = tokens.keyed_hash(b"referent-token:", token)
    assert keyed not in (stored, token) and len(keyed) == 64
    # The keyed hash needs the secret key: without it, it cannot be recomputed from the token.
    secret = app.config["SECRET_KEY"].encode()
    expected = hmac.new(secret, b"referent-token:" + token.encode(), hashlib.sha256)
    assert keyed == expected.hexdigest()
    app.config["SECRET_KEY"] = "another installation's secret key, just as long as ours"
    assert tokens.keyed_hash(b"referent-token:", token) != keyed
