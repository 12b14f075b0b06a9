"""A tour of a generated client, run by ``scripts/demo.sh`` against the live demo app.

    python scripts/demo_tour.py DIR    # DIR holds demo_client.py, generated from the app
"""

from __future__ import annotations

import asyncio
import sys

sys.path.insert(0, sys.argv[1])

from demo_client import AsyncDemoApp, DemoApp, FakeDemoApp  # noqa: E402

from gradio_gen.runtime import InputValidationError  # noqa: E402

with DemoApp() as client:  # src defaults to the URL it was generated from
    print("greet      ->", repr(client.greet("Ada", style="pirate", repeat=2)))

    stats = client.text_stats("typed clients catch mistakes early")
    print("text_stats ->", stats)
    print("             longest word:", stats.longest_word)

    job = client.countdown.submit(start=3)  # a generator endpoint: iterate its outputs
    for partial in job:
        print("countdown  ->", partial.splitlines()[-1])

    client.tally("apples")  # gr.State lives in the client's session
    print("tally      ->", repr(client.tally("pears")))

    basket = {"headers": ["item", "price"], "data": [["tea", 2.5], ["cake", 4]]}
    print("total      ->", client.total(basket))

    try:
        client.greet("Ada", style="rude")  # type: ignore[arg-type]
    except InputValidationError as exc:  # raised before any request is sent
        print("bad input  ->", str(exc).replace("\n", " | "))


async def main() -> None:
    async with AsyncDemoApp() as client:
        results = await asyncio.gather(*(client.greet(n) for n in ("Bo", "Cy", "Di")))
        print("async      ->", results)


asyncio.run(main())

fake = FakeDemoApp({"greet": "stubbed!"})  # for your own tests: no app, same signatures
print("fake       ->", fake.greet("anyone"), fake.greet.calls[0].args)
