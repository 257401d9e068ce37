"""Link tokens: derived from the secret key and a stored nonce; only a hash is stored."""

import re

from fieldkit.core import tokens


def test_a_token_is_derived_from_the_nonce_the_purpose_and_the_secret_key(app):
    nonce = tokens.new_nonce()
    token = tokens.derive(b"case-link|", nonce)
    assert re.fullmatch(tokens.TOKEN_PATTERN, token)
    assert tokens.derive(b"case-link|", nonce) == token  # the same link can be sent again
    assert tokens.derive(b"open-link|", nonce) != token
    assert tokens.derive(b"case-link|", tokens.new_nonce()) != token
    app.config["SECRET_KEY"] = "another installation's secret key, just as long as ours"
    assert tokens.derive(b"case-link|", nonce) != token


def test_what_is_stored_does_not_reveal_the_token(app):
    token = tokens.derive(b"case-link|", tokens.new_nonce())
    stored = tokens.token_hash(token)
    assert len(stored) == 64 and token not in stored
    keyed = tokens.keyed_hash(b"referent-token:", token)
    assert keyed not in (stored, token) and len(keyed) == 64
