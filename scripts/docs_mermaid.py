"""MkDocs hook (mkdocs.yml `hooks:`): serves a pinned copy of Mermaid with the
site, where mkdocs.yml's `extra_javascript` loads it.

Material for MkDocs draws a diagram with the `mermaid` it finds on the page,
and fetches one from a CDN only when there is none; with this copy the
diagrams are drawn offline too. scripts/docs.sh fetches it once into .local/.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError

ROOT = Path(__file__).resolve().parents[1]
SERVED_AT = "javascripts/mermaid.min.js"


def on_config(config: MkDocsConfig, **_: Any) -> MkDocsConfig:
    """A page would fall back to the CDN without the script tag: refuse."""
    if SERVED_AT not in [str(script) for script in config.extra_javascript]:
        raise PluginError(f"mkdocs.yml must list {SERVED_AT} in extra_javascript")
    return config


def on_post_build(config: MkDocsConfig, **_: Any) -> None:
    done = subprocess.run(
        [str(ROOT / "scripts" / "docs.sh"), "mermaid"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if done.returncode != 0:
        raise PluginError(f"scripts/docs.sh mermaid failed: {done.stderr.strip()}")
    target = Path(config.site_dir) / SERVED_AT
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(done.stdout.strip(), target)
