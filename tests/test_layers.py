"""Nothing imports upward: each layer imports only the layers below it (docs/ARCHITECTURE.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "spinemet"

# Lower index = lower layer. A module may import its own layer and any lower one.
LAYERS = ["errors", "scores", "pathway", "cohort", "analysis", "report", "registry", "web", "cli"]


def _layer_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "spinemet" or len(parts) < 2:
        return None
    return parts[1] if parts[1] in LAYERS else None


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append(node.args[0].value)
    return found


def _modules() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py") if "migrations" not in p.parts)


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(SRC)))
def test_no_upward_imports(path: Path) -> None:
    rel = path.relative_to(SRC)
    own = rel.parts[0].removesuffix(".py")
    if own not in LAYERS:
        return  # package root files (__init__, __main__) sit outside the layers
    own_rank = LAYERS.index(own)
    upward = [
        m for m in _imports(path) if (layer := _layer_of(m)) is not None and LAYERS.index(layer) > own_rank
    ]
    assert not upward, f"{rel} ({own}) imports a higher layer: {upward}"


def test_the_check_sees_every_layer_package() -> None:
    present = {p.name for p in SRC.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert {"scores", "pathway", "cohort", "analysis", "report", "registry", "cli"} <= present
