"""What is reachable, and by whom: Rasa's API needs its token."""

from __future__ import annotations

import aiohttp

from bot.supervisor.stack import Stack


async def test_rasa_refuses_to_load_a_model_without_its_token(stack: Stack) -> None:
    rasa = stack.settings.resolved_rasa_url
    assert rasa.startswith("http://127.0.0.1:"), "Rasa listens on loopback only"
    body = {"model_file": "/tmp/crafted-model.tar.gz"}
    async with aiohttp.ClientSession() as http:
        async with http.put(f"{rasa}/model", json=body) as response:
            assert response.status == 401
        async with http.put(f"{rasa}/model", params={"token": "guessed"}, json=body) as response:
            assert response.status == 401
        async with http.get(f"{rasa}/status", params={"token": stack.settings.rasa_token}) as response:
            assert response.status == 200, "the token the gateway holds works"
