"""The API key of a judge server: from the environment or the OS keyring, never from a file.

The key is looked up when a run starts and handed to the client only; settings, the project
file, manifests and logs hold the server's URL and model name, never the key. :func:`scrub`
takes the key out of any text that might carry it (a server's error message can echo it).
"""

from __future__ import annotations

import os

from core.errors import ThresherError

#: Environment variables read for the key, in this order.
KEY_VARIABLES = ("THRESHER_JUDGE_API_KEY", "OPENAI_API_KEY")
#: The keyring service the key is kept under (the user name is the server's base URL).
KEYRING_SERVICE = "thresher-judge"
HIDDEN = "[key hidden]"


class KeyringUnavailable(ThresherError):
    """No usable OS keyring on this machine (no backend installed or unlocked)."""


def api_key(base_url: str) -> str | None:
    """The key for ``base_url``: an environment variable, else the OS keyring, else None.

    A machine without a keyring backend is not an error: a local server needs no key.
    """
    for name in KEY_VARIABLES:
        if os.environ.get(name):
            return os.environ[name]
    try:
        import keyring
        from keyring.errors import KeyringError

        return keyring.get_password(KEYRING_SERVICE, base_url)
    except (ImportError, KeyringError, RuntimeError, OSError):
        return None


def key_source(base_url: str) -> str:
    """Where the key would come from, for the app to show (never the key itself)."""
    for name in KEY_VARIABLES:
        if os.environ.get(name):
            return f"key from ${name}"
    return "key from the OS keyring" if api_key(base_url) else "no key (fine for a local server)"


def store_key(base_url: str, key: str) -> None:
    """Keep ``key`` for ``base_url`` in the OS keyring (the only place Thresher stores it)."""
    try:
        import keyring
        from keyring.errors import KeyringError

        keyring.set_password(KEYRING_SERVICE, base_url, key)
    except (ImportError, KeyringError, RuntimeError, OSError) as exc:
        raise KeyringUnavailable(
            "this machine has no usable OS keyring to keep the key in "
            f"({type(exc).__name__}); set THRESHER_JUDGE_API_KEY in the environment instead"
        ) from None


def scrub(text: str, key: str | None) -> str:
    """``text`` with the key (if any) replaced by :data:`HIDDEN`."""
    if key and len(key) >= 4:
        return str(text).replace(key, HIDDEN)
    return str(text)
