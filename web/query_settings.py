"""Processing settings from a URL's query (`?view=stages&grayscale=1`), checked as the `settings` event checks them."""

import dataclasses

from pipeline import Settings
from protocol import SettingsError

TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off")
NOT_SETTINGS = ("token",)  # the access token rides in the query too, for players


def _typed(text, like):
    """Turn query text into the type of `like`; text that does not parse is passed on as is,
    so Settings names the setting and the bad value in its error."""
    if isinstance(like, bool):
        word = text.lower()
        return True if word in TRUE_WORDS else False if word in FALSE_WORDS else text
    if isinstance(like, (int, float)):
        for parse in (int, float):
            try:
                return parse(text)
            except ValueError:
                continue
    return text


def settings_from_query(args):
    """Return Settings from a query's MultiDict; raise SettingsError naming the first bad key."""
    defaults = {field.name: field.default for field in dataclasses.fields(Settings)}
    settings = Settings()
    for key, text in args.items():
        if key in NOT_SETTINGS:
            continue
        try:
            settings = settings.updated({key: _typed(text, defaults.get(key, text))})
        except SettingsError as exc:
            exc.setting = key  # so the answer can name the field apart from its message
            raise
    return settings
