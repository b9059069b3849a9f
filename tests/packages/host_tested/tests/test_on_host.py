import hosttested


def test_runs_on_the_host() -> None:
    assert hosttested.machine() == "aarch64"
