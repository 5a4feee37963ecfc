"""Processing settings from a URL's query (`?view=stages&grayscale=1`), checked as the `settings` event checks them."""

from pipeline import Settings, current
from protocol import SettingsError

NOT_SETTINGS = ("token",)  # the access token rides in the query too, for players


def settings_from_query(args) -> Settings:
    """Return Settings from a query's MultiDict; raise SettingsError naming the first bad key."""
    known = current().settings
    settings = Settings()
    for key, text in args.items():
        if key in NOT_SETTINGS:
            continue
        # Text that does not parse is passed on as is, so the error names the setting and value.
        value = known[key].parse(text) if key in known else text
        try:
            settings = settings.updated({key: value})
        except SettingsError as exc:
            exc.setting = key  # so the answer can name the field apart from its message
            raise
    return settings
