import hosttested


def test_passes_only_on_the_build_machine() -> None:
    assert hosttested.machine() == "x86_64"
