"""BuildOptions: the build's time (SOURCE_DATE_EPOCH) and the cache key it is part of."""

from __future__ import annotations

import pytest

from crossbuild import InstallOptions, OptionError
from crossbuild.wheel.options import DEFAULT_SOURCE_DATE_EPOCH, BuildOptions


def test_the_build_time_does_not_depend_on_the_day(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert BuildOptions().source_date_epoch == DEFAULT_SOURCE_DATE_EPOCH == 315532800  # 1980-01-01 UTC
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "")  # set but empty: as unset
    assert BuildOptions().source_date_epoch == DEFAULT_SOURCE_DATE_EPOCH


def test_source_date_epoch_is_honoured_and_shapes_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    default = BuildOptions()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    stamped = BuildOptions()
    assert stamped.source_date_epoch == 1700000000
    # a wheel built with other time stamps is another wheel: the built-wheel cache must not mix them
    assert stamped.key != default.key
    assert BuildOptions(source_date_epoch=DEFAULT_SOURCE_DATE_EPOCH).key == default.key


@pytest.mark.parametrize("value", ["yesterday", "-1", "1.5"])
def test_bad_source_date_epoch(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", value)
    with pytest.raises(OptionError) as raised:
        BuildOptions()
    assert str(raised.value) == (
        f"SOURCE_DATE_EPOCH={value!r} is not a number of seconds since 1970; set it to an integer or unset it"
    )


def test_link_mode_is_copy_or_hardlink() -> None:
    assert InstallOptions().link_mode == "copy"
    with pytest.raises(OptionError) as caught:
        InstallOptions(link_mode="symlink")
    assert caught.value.render() == "link mode 'symlink' is not one of copy, hardlink; pass link_mode= one of them"
