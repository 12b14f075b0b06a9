"""A Space named any way a user has at hand (id, page URL, ``*.hf.space`` host, with trailing
paths), mapped to its id through the fake Hub, so status, wake, token rules and duplicate
work as with the id (sync and async drivers; the generator's SOURCE too)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from gradio_gen import cli
from gradio_gen_runtime import AsyncClient, Client
from gradio_gen_runtime._client._base import parse_source
from gradio_gen_runtime._exceptions import SpaceNotFoundError, UsageError
from gradio_gen_runtime._hub._duplicate import duplicate_space_sync, plan_duplicate
from gradio_gen_runtime._hub._names import (
    SpaceRef,
    candidate_ids,
    parse_space_reference,
    resolve_subdomain,
    resolve_subdomain_sync,
)
from gradio_gen_runtime._hub._status import SpaceStatus

from tests.fake_hub import FakeHub, tokens_seen
from tests.generator._util import load_module
from tests.servers import RunningApps

TOKEN = "hf_alice"


@pytest.mark.parametrize(
    ("text", "ref"),
    [
        ("alice/basic", SpaceRef(space_id="alice/basic")),
        ("https://huggingface.co/spaces/alice/basic", SpaceRef(space_id="alice/basic")),
        ("https://huggingface.co/spaces/alice/basic/", SpaceRef(space_id="alice/basic")),
        ("https://huggingface.co/spaces/Alice/My_App.v2/tree/main", SpaceRef(space_id="Alice/My_App.v2")),
        ("https://huggingface.co/spaces/alice/basic?logs=container", SpaceRef(space_id="alice/basic")),
        ("https://huggingface.co/spaces/alice/basic/blob/main/app.py#L3", SpaceRef(space_id="alice/basic")),
        ("http://www.huggingface.co/spaces/alice/basic/discussions", SpaceRef(space_id="alice/basic")),
        ("https://hf.co/spaces/alice/basic", SpaceRef(space_id="alice/basic")),
        (" https://alice-basic.hf.space ", SpaceRef(subdomain="alice-basic")),
        ("https://alice-basic.hf.space/?__theme=dark", SpaceRef(subdomain="alice-basic")),
        ("https://Alice-Basic.hf.space/some/path#x", SpaceRef(subdomain="alice-basic")),
        ("https://huggingface.co/alice/basic", None),  # a model page
        ("https://huggingface.co/spaces/alice", None),
        ("https://huggingface.co/spaces/alice/../x", None),
        ("https://a.b.hf.space/", None),
        ("https://-x.hf.space/", None),
        ("http://127.0.0.1:7860/", None),
        ("ftp://alice-basic.hf.space/", None),
        ("./app.json", None),
        (3, None),
    ],
)  # fmt: skip
def test_parse_space_reference(text: Any, ref: SpaceRef | None) -> None:
    assert parse_space_reference(text) == ref


def test_pages_of_the_hub_in_use_count_but_not_other_ports(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9999")
    assert parse_space_reference("http://127.0.0.1:9999/spaces/a/b") == SpaceRef(space_id="a/b")
    assert parse_space_reference("http://127.0.0.1:7860/spaces/a/b") is None  # an app's path


def test_candidate_splits() -> None:
    assert candidate_ids("hf-audio-whisper") == ["hf/audio-whisper", "hf-audio/whisper"]
    assert candidate_ids("single") == []
    assert candidate_ids("a--b") == []  # "--" is never in an id
    assert len(candidate_ids("-".join("x" * 40))) == 16  # bounded


def test_client_sources() -> None:
    assert parse_source("https://huggingface.co/spaces/a/b/tree/main") == ("space", "a/b")
    assert parse_source("https://a-b.hf.space/?view=api") == ("subdomain", "a-b")
    assert parse_source("http://127.0.0.1:7860") == ("url", "http://127.0.0.1:7860/")
    with pytest.raises(UsageError):
        parse_source("http://127.0.0.1:7860/?x=1")


# -- the Hub look-up ----------------------------------------------------------------------


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[FakeHub]:
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.setenv("HF_TOKEN_PATH", str(tmp_path / "no-token"))
    with FakeHub({TOKEN: "alice", "hf_bob": "bob"}) as fake:
        monkeypatch.setenv("HF_ENDPOINT", fake.url)
        yield fake


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def resolve(mode: str, subdomain: str, **kwargs: Any) -> str:
    if mode == "sync":
        return resolve_subdomain_sync(subdomain, **kwargs)
    return asyncio.run(resolve_subdomain(subdomain, **kwargs))


def lookups(hub: FakeHub) -> list[str]:
    return [r.path for r in hub.requests("hub", "/api/spaces/")]


def test_dashes_in_the_owner_are_resolved_by_the_hub(hub: FakeHub, mode: str) -> None:
    hub.add_space("hf-audio/whisper-large")
    assert resolve(mode, "hf-audio-whisper-large") == "hf-audio/whisper-large"
    assert lookups(hub) == [
        "/api/spaces/hf/audio-whisper-large",
        "/api/spaces/hf-audio/whisper-large",
    ]


def test_the_space_whose_subdomain_it_is_wins(hub: FakeHub, mode: str) -> None:
    """Two ids can derive one subdomain; the Hub gives one of them another: the split tried
    first is not taken unless the Hub says this subdomain is its own."""
    renamed = hub.add_space("a/b-c", subdomain="a-b-c-7f3a")
    hub.add_space("a-b/c")
    assert resolve(mode, "a-b-c") == "a-b/c"
    # a subdomain that derives from no id: the app's own claim, confirmed by the Hub
    assert resolve(mode, "a-b-c-7f3a", space_url=renamed.host + "/") == "a/b-c"


def test_names_without_a_dash_split_use_the_apps_own_claim(hub: FakeHub, mode: str) -> None:
    """``Owner/My_App.v2`` is served at ``owner-my-app-v2``: no split names it, so the app's
    ``/config`` (``space_id``) is asked, and believed only when the Hub confirms it."""
    space = hub.add_space("Owner/My_App.v2")
    assert resolve(mode, "owner-my-app-v2", space_url=space.host + "/") == "Owner/My_App.v2"
    hub.add_space("other/liar", subdomain="other-liar")
    with pytest.raises(SpaceNotFoundError, match="owner-my-app-v2"):  # claims another's id
        resolve(mode, "owner-my-app-v2", space_url=hub.spaces["other/liar"].host + "/")
    host_calls = hub.requests(f"space:{space.id}")
    assert host_calls and all(r.token() is None for r in host_calls)  # never before confirmed


def test_unknown_subdomain(hub: FakeHub, mode: str) -> None:
    with pytest.raises(SpaceNotFoundError, match=r"nobody-here.*owner/name.*token"):
        resolve(mode, "nobody-here", space_url="http://127.0.0.1:9/")


def test_private_space_needs_the_token(hub: FakeHub, mode: str) -> None:
    hub.add_space("alice/secret-app", private=True)
    with pytest.raises(SpaceNotFoundError):
        resolve(mode, "alice-secret-app", space_url="http://127.0.0.1:9/")
    assert resolve(mode, "alice-secret-app", token=TOKEN) == "alice/secret-app"


# -- end to end: clients, generator, duplicate ---------------------------------------------


def test_client_from_an_hf_space_url_resolves_wakes_and_keeps_token_rules(
    hub: FakeHub, basic_apps: RunningApps, mode: str
) -> None:
    space = hub.add_space(
        "alice/basic-app", upstream=basic_apps["basic"], stages=["SLEEPING"], on_wake=["RUNNING"]
    )
    seen: list[SpaceStatus] = []
    src = "https://alice-basic-app.hf.space/?__theme=dark"
    if mode == "sync":
        with Client(src, hf_token=TOKEN, status_callback=seen.append) as client:
            assert client.space_id == "alice/basic-app"
            assert client.root == space.host + "/"
            assert client.predict("/add", 1, 2) == 3
    else:

        async def run() -> None:
            async with AsyncClient(src, hf_token=TOKEN, status_callback=seen.append) as client:
                await client.connect()
                assert client.space_id == "alice/basic-app"
                assert await client.predict("/add", 1, 2) == 3

        asyncio.run(run())
    assert seen and all(s.space_id == "alice/basic-app" for s in seen)
    assert any(s.stage == "SLEEPING" for s in seen)  # woken like an id
    for server, token in tokens_seen(hub.log):
        assert token in (None, TOKEN)
        assert server in ("hub", f"space:{space.id}")
    assert hub.requests(f"space:{space.id}", "/config")


def test_client_from_a_page_url_with_a_trailing_path(hub: FakeHub, basic_apps: RunningApps) -> None:
    hub.add_space("alice/basic", upstream=basic_apps["basic"])
    url = "https://huggingface.co/spaces/alice/basic/tree/main?logs=container"
    with Client(url) as client:
        assert client.space_id == "alice/basic"
        assert client.predict("/add", 2, 2) == 4


def test_duplicate_from_an_hf_space_url(hub: FakeHub) -> None:
    hub.add_space("bob/demo-app")
    with pytest.raises(UsageError):  # other arguments are checked before any request
        duplicate_space_sync("https://bob-demo-app.hf.space", hardware="nope", hf_token=TOKEN)
    assert lookups(hub) == []
    target = duplicate_space_sync(
        "https://bob-demo-app.hf.space/", hf_token=TOKEN, poll_initial=0.01, poll_max=0.02
    )
    assert target == "alice/demo-app"
    assert plan_duplicate("https://huggingface.co/spaces/bob/demo-app").from_space == "bob/demo-app"


@pytest.mark.parametrize(
    "source",
    [
        "https://alice-basic.hf.space",
        "https://alice-basic.hf.space/?view=api",
        "https://huggingface.co/spaces/alice/basic/tree/main?logs=container",
    ],
)
def test_generator_source_forms(
    source: str,
    hub: FakeHub,
    basic_apps: RunningApps,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    hub.add_space("alice/basic", upstream=basic_apps["basic"])
    target = tmp_path / "client.py"
    code = cli.main([source, "-o", str(target), "-q"])
    assert code == 0, capsys.readouterr().err
    module = load_module(target)
    assert module.SOURCE == "alice/basic"


def test_generator_unknown_hf_space_host(
    hub: FakeHub, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from gradio_gen_runtime._hub import _names

    real = _names.resolve_subdomain_sync

    def offline(subdomain: str, **kwargs: Any) -> str:  # never the real *.hf.space host
        return real(subdomain, space_url="http://127.0.0.1:9/", **kwargs)

    monkeypatch.setattr(_names, "resolve_subdomain_sync", offline)
    code = cli.main(["https://nobody-nothing.hf.space/"])
    err = capsys.readouterr().err
    assert code == 3 and err.count("\n") == 1
    assert "nobody-nothing.hf.space" in err and "owner/name" in err
    assert lookups(hub) == ["/api/spaces/nobody/nothing"]
