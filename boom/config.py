"""Load, layer and validate the configuration: one message per error, naming the key path.

The top of the import graph: it reads the configuration and checks it against everything it
names (the dataset registry, recipes, schedules, merge methods: boom/config_checks.py), and
nothing it checks imports it back. Snakemake merges `configfile:` and `--configfile` layers
itself; rules/common.smk registers the config's Hub datasets and calls `validate` on the merged
result when the workflow is parsed.
"""

from __future__ import annotations

import copy
import difflib
import os
from pathlib import Path

import jsonschema
import yaml

from boom import config_checks
from boom.data.own import register_own
from boom.data.sources import register_hub
from boom.errors import ConfigError
from boom.paths import CONFIG_DIR, REPO_ROOT, SCHEMA_PATH, load_schema  # noqa: F401 (re-exported)


def deep_update(base: dict, layer: dict) -> dict:
    """Return `base` updated key by key with `layer` (nested mappings merge, other values replace),
    the same layering Snakemake applies to `--configfile`."""
    out = copy.deepcopy(base)
    for key, value in layer.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_update(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def load(*layers: str | Path) -> dict:
    """Load config/default.yaml, then each layer over it, and validate the result."""
    config = _read_yaml(CONFIG_DIR / "default.yaml")
    for layer in layers:
        config = layer_over(config, _read_yaml(Path(layer)), str(layer))
    return start(config)


def layer_over(config: dict, layer: dict, name: str) -> dict:
    """`layer` merged over `config`, after checking that every entry it removes (a name set to
    null) exists there: a misspelt or wrong-case name would remove nothing, without a word."""
    for path in REMOVABLE:
        for where, below, section in _sections_pair(config, layer, path):
            for entry in [n for n, value in section.items() if value is None]:
                if entry not in below:
                    hint = difflib.get_close_matches(entry, list(below), n=1, cutoff=0.5) or \
                        [n for n in below if n.lower() == entry.lower()]
                    known = f"; did you mean '{hint[0]}'?" if hint else f" (there: {', '.join(below) or 'none'})"
                    raise ConfigError(f"config layer {name} sets {_key_path(where + [entry])} to null to remove it, "
                                      f"but no such entry exists{known}")
    return deep_update(config, layer)


def _sections_pair(config: dict, layer: dict, path: tuple, where=None):
    """(key path, config's mapping, layer's mapping) for each REMOVABLE path both hold."""
    where = where or []
    if not isinstance(config, dict) or not isinstance(layer, dict):
        return
    if not path:
        yield where, config, layer
        return
    keys = [k for k in layer if k in config] if path[0] == "*" else [path[0]]
    for key in keys:
        if key in layer and key in config:
            yield from _sections_pair(config[key], layer[key], path[1:], where + [key])


def start(config: dict) -> dict:
    """What a run does once with its merged config (load, and rules/common.smk at parse time):
    drop the entries a layer removed, check the schema, fill in its defaults, register the
    config's Hub datasets and own datasets (data.files) as sources (the one change to a global,
    made here and nowhere else), then check the cross-references and read the own files. Returns the config, changed in place."""
    drop_removed(config)
    check_schema(config)
    fill_defaults(config)
    register_hub(config["train"])
    register_own(config["data"])
    config_checks.check(config)
    return config


# Named entries a layer may remove by setting them to null (`wikiqa: null` under train.datasets):
# layering merges mappings key by key, so this is the only way a layer can shrink one.
REMOVABLE = (("data", "files"), ("train", "datasets"), ("train", "new_datasets"), ("evaluation", "tasks"), ("experiments",),
             ("experiments", "*", "variants"), ("budget", "experiments"))


def drop_removed(config: dict) -> dict:
    """Delete, in place, the entries of REMOVABLE mappings (`*`: any key) that a layer set to null."""
    def sections(node, path):
        if not isinstance(node, dict):
            return
        if not path:
            yield node
            return
        children = node.values() if path[0] == "*" else [node.get(path[0])]
        for child in children:
            yield from sections(child, path[1:])

    for path in REMOVABLE:
        for section in sections(config, path):
            for name in [n for n, value in section.items() if value is None]:
                del section[name]
    return config


class _UniqueKeyLoader(yaml.SafeLoader):
    """YAML's own loaders keep the last of two equal keys: two variants of one name would silently
    become one."""

    def construct_mapping(self, node, deep=False):
        seen = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    "while reading a mapping", node.start_mark,
                    f"found the key {key!r} twice (first at line {seen[key] + 1}); rename or remove one",
                    key_node.start_mark)
            seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)


def check_config_files(paths) -> None:
    """Read each config file as boom does (Snakemake reads them too, but keeps the last of two
    equal keys without a word), and layer them in Snakemake's order (config/default.yaml first)
    to check what each one removes."""
    paths = [Path(p) for p in paths]
    default = [p for p in paths if p.resolve() == (CONFIG_DIR / "default.yaml").resolve()]
    config: dict = {}
    for path in default + [p for p in paths if p not in default]:
        config = layer_over(config, _read_yaml(path), str(path)) if config else _read_yaml(path)


def _read_yaml(path: Path) -> dict:
    if not path.is_file():
        raise ConfigError(f"config file {path} does not exist")
    try:
        data = yaml.load(path.read_text(), Loader=_UniqueKeyLoader)
    except yaml.YAMLError as exc:
        raise ConfigError(f"config file {path} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"config file {path} must hold a mapping of keys, not {type(data).__name__}")
    return data


def _key_path(parts) -> str:
    return ".".join(str(p) for p in parts) or "<top level>"


# JSON Schema's `integer` accepts 16.0; boom's file names would then hold "16.0", which no rule
# pattern matches, and a target could quietly plan nothing. Only a YAML/JSON whole number is one.
_STRICT_TYPES = jsonschema.Draft202012Validator.TYPE_CHECKER.redefine(
    "integer", lambda _checker, value: isinstance(value, int) and not isinstance(value, bool))
_Validator = jsonschema.validators.extend(jsonschema.Draft202012Validator, type_checker=_STRICT_TYPES)


def _type_hint(error: jsonschema.ValidationError) -> str:
    """How to write the value the schema wanted, where YAML's reading is the surprise."""
    wanted, value = error.validator_value, error.instance
    wanted = wanted if isinstance(wanted, list) else [wanted]
    if "integer" in wanted and isinstance(value, float) and value.is_integer():
        return f"; write {int(value)}, a whole number without a decimal point"
    if isinstance(value, str) and ("number" in wanted or "integer" in wanted):
        try:
            float(value)
        except ValueError:
            return ""
        return (f"; YAML reads {value} as text (a number in exponent form needs a decimal point and a signed "
                f"exponent, e.g. 5.0e-5), or write it out: {float(value):g}")
    return ""


def _schema_message(error: jsonschema.ValidationError) -> str:
    where = _key_path(error.absolute_path)
    if error.validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        unknown = sorted(set(error.instance) - set(allowed))
        key = unknown[0] if unknown else "?"
        hint = difflib.get_close_matches(key, allowed, n=1)
        suggestion = f"; did you mean '{hint[0]}'?" if hint else ""
        full = f"{where}.{key}" if error.absolute_path else key
        return f"unknown config key '{full}'{suggestion} (allowed under {where}: {', '.join(allowed)})"
    if error.validator == "required":
        return f"config key {where} is missing a required entry: {error.message}"
    if error.validator == "enum":
        return f"config key {where} = {error.instance!r} is not one of {error.validator_value}"
    if "propertyNames" in error.schema_path:  # a name, not a value
        return (f"config key {where}.{error.instance}: '{error.instance}' is not a valid name here: use letters, "
                "digits and underscores, starting with a letter")
    if error.validator == "uniqueItems":
        twice = next(x for i, x in enumerate(error.instance) if x in error.instance[:i])
        return f"config key {where} lists {twice!r} twice; name each entry once"
    if error.validator == "type":
        return f"config key {where} = {error.instance!r}: {error.message}{_type_hint(error)}"
    return f"config key {where} = {error.instance!r}: {error.message}"


def check_schema(config: dict) -> None:
    """Raise ConfigError naming the first key path the schema refuses."""
    errors = sorted(
        _Validator(load_schema()).iter_errors(config),
        key=lambda e: (len(e.absolute_path), list(map(str, e.absolute_path))),
    )
    if errors:
        raise ConfigError(_schema_message(errors[0]))


def fill_defaults(config: dict, schema: dict | None = None) -> dict:
    """Set, in place, every absent key the schema gives a `default:` (in mappings that are there;
    a named entry's own keys too), and return the config."""
    schema = load_schema() if schema is None else schema
    if not isinstance(config, dict) or not isinstance(schema, dict):
        return config
    for key, sub in schema.get("properties", {}).items():
        if key not in config and "default" in sub:
            config[key] = copy.deepcopy(sub["default"])
        fill_defaults(config.get(key), sub)
    if isinstance(schema.get("additionalProperties"), dict):
        for value in config.values():
            fill_defaults(value, schema["additionalProperties"])
    return config


def validate(config: dict) -> None:
    """Raise ConfigError naming the first offending key path, or return None: the schema, then
    the cross-references (boom/config_checks.py), which need the config's Hub datasets
    registered first (`start` does all of it in order, as a run does)."""
    check_schema(config)
    config_checks.check(config)


# ---------------------------------------------------------------- output folders and their scale

OWNER_FILE = "SCALE"


def check_owner(folder: str | Path, scale: str) -> None:
    """Refuse an output folder that another scale's run wrote to (its SCALE file): models are
    keyed by recipe and would not mix up, but the summary, tables and figures of one scale would
    silently replace the other's."""
    stamp = Path(folder) / OWNER_FILE
    if stamp.is_file():
        owner = stamp.read_text().strip()
        if owner != scale:
            raise ConfigError(
                f"{folder}/ holds the results of the '{owner}' scale ({stamp}), and this run is of the '{scale}' "
                f"scale: give it its own results_dir and figures_dir (config keys), or remove {folder}/ to start over")


# Characters a folder's path may not hold: the rules' shell commands pass paths unquoted (Snakemake
# quotes only where a rule says :q), so a space would split one path into two arguments.
UNSAFE_PATH_CHARS = set(" \t\n'\"$`\\;&|<>(){}*?!#")


def check_output_folder(key: str, folder: str) -> None:
    """Refuse, before any work, an output folder the run could not write or its commands could
    not pass: a path with a space or shell character, a path under a file, a read-only folder."""
    bad = sorted(set(folder) & UNSAFE_PATH_CHARS)
    if bad:
        raise ConfigError(f"config key {key} = {folder!r}: the path holds {''.join(bad)!r}, which the workflow's "
                          "commands cannot pass; choose a folder whose path has letters, digits, -, _, . and / only")
    existing = Path(folder).absolute()
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise ConfigError(f"config key {key} = {folder!r}: {existing} is a file, not a folder; choose another path")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ConfigError(f"config key {key} = {folder!r}: {existing} is not writable by this user; choose a "
                          "folder you can write, or change its permissions")


def claim_owner(folder: str | Path, scale: str) -> None:
    """Mark an output folder as this scale's (a run's start; check_owner has passed)."""
    Path(folder).mkdir(parents=True, exist_ok=True)
    stamp = Path(folder) / OWNER_FILE
    if not stamp.is_file():
        stamp.write_text(scale + "\n")
