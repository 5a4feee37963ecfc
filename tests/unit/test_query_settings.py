"""Settings and the token from a URL's query (web/query_settings.py, web/query_token.py)."""

import pytest
from werkzeug.datastructures import MultiDict

from protocol import SettingsError
from web.query_settings import settings_from_query
from web.query_token import hide_query_token
from web.request_token import ENVIRON_KEY, given_token


def test_query_text_becomes_the_settings_types():
    settings = settings_from_query(MultiDict({
        "view": "stages", "grayscale": "1", "lips": "off", "kernel_size": "5",
        "noise_amount": "0.1", "lip_color": "#00FF00", "token": "not a setting"}))
    assert (settings.view, settings.grayscale, settings.lips, settings.kernel_size,
            settings.noise_amount, settings.lip_color) == ("stages", True, False, 5, 0.1, "#00ff00")


@pytest.mark.parametrize("query,setting,code", [
    ({"kernel_size": "4"}, "kernel_size", "bad_settings"),
    ({"kernel_size": "five"}, "kernel_size", "bad_settings"),
    ({"grayscale": "maybe"}, "grayscale", "bad_settings"),
    ({"jpeg_quality": "inf"}, "jpeg_quality", "bad_settings"),
    ({"view": "stages", "colour": "red"}, "colour", "unknown_setting"),
])
def test_a_bad_query_setting_is_named(query, setting, code):
    with pytest.raises(SettingsError) as refused:
        settings_from_query(MultiDict(query))
    assert refused.value.setting == setting and refused.value.code == code
    assert setting in refused.value.message


def test_the_token_leaves_the_query_and_the_request_line():
    seen = {}

    def app(environ, start_response):
        seen.update(environ)
        return []

    environ = {"QUERY_STRING": "view=stages&token=s3cret&grayscale=1",
               "RAW_URI": "/video/a.mjpg?view=stages&token=s3cret&grayscale=1"}
    hide_query_token(app)(environ, None)
    assert seen["QUERY_STRING"] == "view=stages&grayscale=1"
    assert seen["RAW_URI"] == "/video/a.mjpg?view=stages&grayscale=1"
    assert seen[ENVIRON_KEY] == "s3cret" and given_token(seen) == "s3cret"
    assert given_token({"HTTP_AUTHORIZATION": "Bearer abc", ENVIRON_KEY: "s3cret"}) == "abc"
