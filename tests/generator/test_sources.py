"""SOURCE kinds against real servers: an app URL, a Space id through the fake Hub (never the
real one), and the user errors around them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from gradio_gen import cli

from tests.fake_hub import FakeHub
from tests.generator._util import load_module
from tests.servers import RunningApps, launch

TOKEN = "hf_alice"


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[FakeHub]:
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.setenv("HF_TOKEN_PATH", str(tmp_path / "no-token"))
    with FakeHub({TOKEN: "alice"}) as fake:
        monkeypatch.setenv("HF_ENDPOINT", fake.url)
        yield fake


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = cli.main(argv)
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, err


def test_url_source_generates_and_calls(
    basic_apps: RunningApps, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "basic_client.py"
    saved = tmp_path / "basic.json"
    url = basic_apps["basic"]
    code, _ = run([url, "-o", str(target), "--save-schema", str(saved)], capsys)
    assert code == 0
    module = load_module(target)
    assert url == module.SOURCE
    assert module.BasicTestApp.__name__ == "BasicTestApp"  # from the app's title
    with module.BasicTestApp() as client:  # src defaults to the URL it was generated from
        assert client.add(1, 2.5) == 3.5
        assert client.greet("Ann", excited=True) == "Hello Ann!"
    # regenerating from the saved snapshot gives the very same module
    code, _ = run([str(saved), "-o", str(target), "--check"], capsys)
    assert code == 0


def test_space_source(
    basic_apps: RunningApps, hub: FakeHub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hub.add_space("alice/basic", upstream=basic_apps["basic"])
    target = tmp_path / "space_client.py"
    code, err = run(["alice/basic", "-o", str(target)], capsys)
    assert code == 0, err
    module = load_module(target)
    assert module.SOURCE == "alice/basic"


def test_unknown_space(hub: FakeHub, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run(["alice/nothing-here"], capsys)
    assert code == 3
    assert "alice/nothing-here" in err and ("not found" in err or "private" in err)


def test_private_space_needs_a_token(
    basic_apps: RunningApps, hub: FakeHub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hub.add_space("alice/secret", upstream=basic_apps["basic"], private=True)
    code, err = run(["alice/secret"], capsys)
    assert code == 3 and "--hf-token" in err
    target = tmp_path / "secret_client.py"
    code, err = run(["alice/secret", "--hf-token", TOKEN, "-o", str(target)], capsys)
    assert code == 0, err


def test_url_that_is_not_a_gradio_app(hub: FakeHub, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run([hub.url + "/nothing/"], capsys)
    assert code == 3 and "gradio-gen: error:" in err


def test_every_spelling_of_a_url_and_its_snapshot_give_the_same_bytes(
    basic_apps: RunningApps, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The README's CI recipe: generate from the URL (however it is spelled) or from the
    snapshot saved from it, and ``--check`` agrees."""
    url = basic_apps["basic"]
    assert url.endswith("/")
    spellings = [url, url.rstrip("/"), url + "?__theme=dark", url + "#top"]
    spellings.append(url.replace("http://", "HTTP://"))
    texts = []
    for i, spelling in enumerate(spellings):
        target = tmp_path / f"client_{i}.py"
        code, err = run(
            [spelling, "-o", str(target), "--save-schema", str(tmp_path / f"{i}.json")], capsys
        )
        assert code == 0, err
        texts.append(target.read_text(encoding="utf-8"))
    assert all(t == texts[0] for t in texts)
    assert f"SOURCE = {url!r}".replace("'", '"') in texts[0]
    saved = [tmp_path / f"{i}.json" for i in range(len(spellings))]
    assert len({p.read_bytes() for p in saved}) == 1  # the snapshot records the normalised URL
    for snap in saved[:2]:
        code, err = run([str(snap), "-o", str(tmp_path / "client_0.py"), "--check"], capsys)
        assert code == 0, err


def test_url_with_query_and_space_page_urls(
    basic_apps: RunningApps, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from gradio_gen.snapshot import default_source, kind_of, space_of

    target = tmp_path / "q_client.py"
    code, err = run([basic_apps["basic"] + "?__theme=dark", "-o", str(target)], capsys)
    assert code == 0, err
    with load_module(target).BasicTestApp() as client:  # SOURCE has no query: it connects
        assert client.add(1, 2) == 3
    page = "https://huggingface.co/spaces/abidlabs/whisper"
    assert (kind_of(page), space_of(page)) == ("space", "abidlabs/whisper")
    assert default_source({}, page + "/") == "abidlabs/whisper"
    assert kind_of("owner/name") == "space" and kind_of("snap.json") == "file"


@pytest.fixture(scope="module")
def auth_app() -> Iterator[str]:
    with launch(["rt_auth"]) as running:  # gr password auth: user / s3cret
        yield running["rt_auth"]


def test_password_protected_app(
    auth_app: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("GRADIO_GEN_AUTH", raising=False)
    target = tmp_path / "auth_client.py"
    saved = tmp_path / "auth.json"
    code, err = run([auth_app, "-o", str(target)], capsys)
    assert code == 3 and "--auth USER:PASSWORD" in err and not target.exists()
    code, err = run([auth_app, "-o", str(target), "--auth", "user:wrong"], capsys)
    assert code == 3 and "incorrect username or password" in err
    argv = [auth_app, "-o", str(target), "--class-name", "Locked", "--save-schema", str(saved)]
    code, err = run([*argv, "--auth", "user:s3cret"], capsys)
    assert code == 0, err
    assert "s3cret" not in target.read_text() and "s3cret" not in saved.read_text()
    module = load_module(target)
    with module.Locked(auth=("user", "s3cret")) as client:
        assert client.reverse("abc") == "cba"
    # the variable keeps the password out of the process list
    monkeypatch.setenv("GRADIO_GEN_AUTH", "user:s3cret")
    code, err = run([auth_app, "-o", str(target), "--class-name", "Locked", "--check"], capsys)
    assert code == 0, err
    monkeypatch.setenv("GRADIO_GEN_AUTH", "no-colon")
    code, err = run([auth_app, "-o", str(target)], capsys)
    assert code == 2 and "GRADIO_GEN_AUTH must be USER:PASSWORD" in err


def test_diff_of_password_protected_app(
    auth_app: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GRADIO_GEN_AUTH", raising=False)
    assert cli.main(["diff", auth_app, auth_app]) == 3
    assert "--auth USER:PASSWORD" in capsys.readouterr().err
    assert cli.main(["diff", auth_app, auth_app, "--auth", "user"]) == 2
    assert "--auth must be USER:PASSWORD" in capsys.readouterr().err
    assert cli.main(["diff", auth_app, auth_app, "--auth", "user:s3cret"]) == 0
    assert "no API changes" in capsys.readouterr().out
