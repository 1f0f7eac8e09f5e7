"""The README's quickstart, pasted into bash as a newcomer would, against
the whole system running as processes."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import requests

from scripts.poll import eventually
from scripts.system import System

README = Path(__file__).resolve().parents[2] / "README.md"


def quickstart_block() -> str:
    text = README.read_text()
    section = text.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    match = re.search(r"```bash\n(.*?)```", section, re.S)
    assert match, "the README's Quickstart has no bash block"
    return match.group(1)


def json_answers(output: str) -> list[Any]:
    """The JSON documents curl printed back to back."""
    decoder, answers, position = json.JSONDecoder(), [], 0
    while position < len(output):
        if output[position].isspace():
            position += 1
            continue
        answer, position = decoder.raw_decode(output, position)
        answers.append(answer)
    return answers


def test_the_readme_quickstart_works_as_pasted(system: System) -> None:
    block = quickstart_block()
    assert "http://127.0.0.1:8001" in block and "http://127.0.0.1:8002" in block
    script = block.replace("http://127.0.0.1:8001", system.users_url).replace(
        "http://127.0.0.1:8002", system.games_url
    )
    # What the paste leaves in the shell, to follow the read to its end.
    script += '\nprintf \'{"token": "%s", "user_id": "%s"}\' "$TOKEN" "$USER_ID"\n'
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    registered, shooters, game, accepted, history, shell = json_answers(done.stdout)

    assert registered["email"] == "ada@example.com"
    assert shell["user_id"] == registered["id"]
    assert len(shooters["results"]) == 3
    assert {item["genre"] for item in shooters["results"]} == {"Shooter"}
    assert game["id"] == 36 and game["title"] == "Solar Frontier Infinite"
    assert accepted["event_id"]
    assert history["count"] in (0, 1)  # a paste is faster than a person

    def read_in_history() -> list[dict[str, Any]]:
        page = requests.get(
            f"{system.users_url}/users/{shell['user_id']}/read/",
            headers={"Authorization": f"Bearer {shell['token']}"},
            timeout=10,
        ).json()
        return [item for item in page["results"] if item["event_id"] == accepted["event_id"]]

    read = eventually(read_in_history, timeout=30, message="the quickstart's read never arrived")
    assert read[0]["game_id"] == 36 and read[0]["title"] == "Solar Frontier Infinite"
