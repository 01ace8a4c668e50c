"""The one settings object: built from `FEEDGATE_*` variables and an optional TOML file.

Its fields are grouped by area, one class a module: config_serving, config_feedback, config_review,
config_admin, config_fixes and config_privacy. This module joins them and reads the environment and the file.
"""

from __future__ import annotations

import logging
import os
import tomllib
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

from pydantic import (
    ModelWrapValidatorHandler,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, SettingsError

from gateway.config_across import Loading, current_loading, joined, loading, refusals_across
from gateway.config_admin import AdminSettings
from gateway.config_checks import ConfigError, checked_variable_name, list_from_text, refused, unknown_variables
from gateway.config_feedback import FeedbackSettings
from gateway.config_file import check_file_values
from gateway.config_fixes import FixSettings
from gateway.config_privacy import PrivacySettings
from gateway.config_proxy import ReverseProxySettings
from gateway.config_refusals import SettingOrigins, invalid_settings
from gateway.config_review import ReviewSettings
from gateway.config_serving import ServingSettings

logger = logging.getLogger("feedgate")
# The FEEDGATE_ variables `serve --workers` hands its workers (gateway/serve_workers.py) begin so: none is a
# setting, nor a typo of one. Listed one by one, a new one was warned of by every worker.
INTERNAL_VARIABLES_PREFIX = "FEEDGATE_INTERNAL_"
# Other FEEDGATE_ variables of the project that are not settings: compose.yaml, the tests, CI and the
# benchmarks read them.
NOT_SETTINGS = frozenset(
    {
        "FEEDGATE_PUBLIC_PORT",
        "FEEDGATE_TEST_POSTGRES",
        "FEEDGATE_SCREENSHOTS",
        "FEEDGATE_SERVICES",
        "FEEDGATE_WRK",
        "FEEDGATE_BENCH_PG_BIN",
    }
)

# What each list setting looks like as an environment variable (shown when one is refused).
_LIST_EXAMPLES = {
    "cors_origins": "'[\"https://app.example\"]' or https://app.example,https://b.example",
    "cluster_document_parts": '\'["comment", "question"]\' or comment,question',
    "trusted_proxies": "10.0.0.5 or 10.0.0.0/8,192.168.1.7",
    "upstreams": '\'[{"name": "local", "url": "http://localhost:11434/v1", "model_prefixes": ["llama"]}]\'',
    "review_gates": '\'[{"app": "support-bot", "mode": "hold"}]\'',
    "redaction_rules": '\'[{"name": "ticket", "pattern": "TCK-\\\\d+"}]\'',
}


def refuse_empty_key_variables(environ: Mapping[str, str]) -> None:
    """ConfigError for a FEEDGATE_*_API_KEY_ENV set to "": it is neither unset nor "no key", so it says how to
    say each.

    Every other empty variable is unset (Settings' env_ignore_empty: compose's `${VAR:-}` passes "" for one
    left out). Read so, "" sent the default's key (OPENAI_API_KEY) where its writer meant no key, as the
    config file's "" says; read as "no key", it would drop the key where it only meant "not given".
    """
    for name, field in Settings.model_fields.items():
        variable = f"FEEDGATE_{name.upper()}"
        if not name.endswith("_api_key_env") or environ.get(variable) != "":
            continue
        default = field.default or "the title model's"
        raise ConfigError(
            f"{variable} is set but empty: set it to the name of the variable holding the key; for no key, "
            f'set {name} = "" in the config file (or name a variable that is not set); unset {variable} for '
            f"the default ({default})"
        )


# pydantic orders the fields from the last base to the first: these bases are listed in reverse so the fields
# keep the order of the areas (serving first), which is also the order refusals and dumps list them in.
class Settings(
    ReverseProxySettings,
    PrivacySettings,
    FixSettings,
    AdminSettings,
    ReviewSettings,
    FeedbackSettings,
    ServingSettings,
    BaseSettings,
):
    """Everything configurable about a Feedgate deployment."""

    # Every number must be finite (an infinite timeout or age would overflow a date or a timer). List settings
    # are not JSON-decoded by pydantic-settings, whose failure is a traceback: `_words_from_text` and
    # `_tables_from_text` read them.
    # An empty variable is unset: compose's `${FEEDGATE_RETENTION_DAYS:-}` passes "" for a variable the
    # operator left out, which a number setting refused (and a text setting took as a value).
    model_config = SettingsConfigDict(
        env_prefix="FEEDGATE_", extra="forbid", allow_inf_nan=False, enable_decoding=False, env_ignore_empty=True
    )

    @field_validator("cors_origins", "cluster_document_parts", "trusted_proxies", mode="before")
    @classmethod
    def _words_from_text(cls, value: object, info: ValidationInfo) -> object:
        return list_from_text(value, _LIST_EXAMPLES[info.field_name or ""], comma_separated=True)

    @field_validator("upstreams", "review_gates", "redaction_rules", mode="before")
    @classmethod
    def _tables_from_text(cls, value: object, info: ValidationInfo) -> object:
        return list_from_text(value, _LIST_EXAMPLES[info.field_name or ""], comma_separated=False)

    @field_validator(
        "upstream_api_key_env",
        "embedding_api_key_env",
        "title_api_key_env",
        "merge_judge_api_key_env",
        "retrain_webhook_secret_env",
    )
    @classmethod
    def _variable_names(cls, name: str | None) -> str | None:
        return checked_variable_name(name)

    # Where each value came from (load_settings knows: the file's keys, the flags, the environment, values passed
    # in code), so a message about one names where to change it.
    _origins: SettingOrigins = PrivateAttr(default_factory=SettingOrigins)

    def origin_of(self, name: str) -> str:
        """Where setting `name` is changed: its FEEDGATE_ variable, its key in the config file, or its flag."""
        return self._origins.origin(name)

    def __init__(self, **values: Any) -> None:
        # Values given here, not by load_settings, were passed in code: a refusal or a hint names them so.
        given = frozenset(name for name, value in values.items() if not name.startswith("_") and value is not None)
        judged_with = Loading(SettingOrigins(passed=given))
        with loading(judged_with):
            super().__init__(**values)
            self._origins = current_loading().origins

    @model_validator(mode="wrap")
    @classmethod
    def _settings_work_together(cls, data: Any, handler: ModelWrapValidatorHandler[Settings]) -> Settings:
        # Every check across settings at once, each refusal at the setting to change, beside the refusals of
        # single settings: an operator fixes them all in one go (gateway.config_across says how).
        judged_with = current_loading()
        try:
            settings = handler(data)
        except ValidationError as exc:
            if not isinstance(data, dict):
                raise
            refused_names = {str(error["loc"][0]) for error in exc.errors() if error["loc"]}
            try:
                passed = handler({name: value for name, value in data.items() if name not in refused_names})
            except ValidationError:
                raise exc from None  # what passed alone passes again; if not, the first refusals stand
            if found := refusals_across(passed, judged_with, refused_names):
                raise joined(exc, found) from None
            raise
        if found := refusals_across(settings, judged_with):
            raise refused(*found)
        return settings

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Explicit arguments (the config file's values, CLI flags) win over the environment.
        return (init_settings, env_settings)


def load_settings(
    config_file: Path | None = None,
    *,
    flags: Collection[str] = (),
    passed_from: str = "passed in code",
    **overrides: Any,
) -> Settings:
    """Build settings from an optional TOML file, the environment, and explicit overrides.

    Precedence, highest first: overrides, environment, file, defaults. `flags` names the overrides that
    are command-line flags (`workers` for `--workers`), so a refusal of one names the flag; any other
    override is named as `passed_from` says.
    """
    from_file: dict[str, Any] = {}
    if config_file is not None:
        try:
            # TOML is UTF-8 by definition, whatever the locale of the process reading it.
            from_file = tomllib.loads(Path(config_file).read_bytes().decode("utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"config file not found: {config_file}") from None
        except OSError as exc:
            # A folder or a file this user may not read: one line, not a traceback.
            raise ConfigError(f"config file {config_file} cannot be read: {exc.strerror or exc}") from None
        except UnicodeDecodeError as exc:
            raise ConfigError(
                f"config file {config_file} is not UTF-8 (byte {exc.start}): TOML files are UTF-8; save it as UTF-8"
            ) from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config file {config_file} is not valid TOML: {exc}") from None
    if config_file is not None:
        # Said as the file's key: the validator's message named a FEEDGATE_ variable nobody set, and coerced
        # `redaction = "yes"` or `workers = true` without a word.
        check_file_values(config_file, from_file, Settings)
    refuse_empty_key_variables(os.environ)
    # The environment must beat the file, so drop file keys the environment sets.
    # An empty variable is unset (Settings' env_ignore_empty), so it does not beat the file either.
    env_keys = {k[len("FEEDGATE_") :].lower() for k, v in os.environ.items() if k.startswith("FEEDGATE_") and v}
    values = {k: v for k, v in from_file.items() if k not in env_keys}
    origins = SettingOrigins(
        config_file=config_file,
        file_keys=frozenset(k for k in values if overrides.get(k) is None),
        flags=frozenset(k for k in flags if overrides.get(k) is not None),
        passed=frozenset(k for k, v in overrides.items() if v is not None and k not in flags),
        passed_from=passed_from,
    )
    values.update({k: v for k, v in overrides.items() if v is not None})
    try:
        # Judged with this process's environment too: the retrain webhook's secret is a variable a setting names.
        with loading(Loading(origins, os.environ)):
            settings = Settings(**values)
    except ValidationError as exc:
        raise ConfigError(invalid_settings(exc, origins)) from None
    except SettingsError as exc:
        # A value pydantic-settings itself could not read from the environment (list settings are read by
        # validators, so this is a fallback): one line, not a traceback.
        raise ConfigError(f"invalid configuration: {exc}") from None
    # A misspelt variable is only a warning: the environment also holds the names settings point at.
    # Every `*_env` setting (and each upstream's api_key_env) names a variable of its own, maybe a FEEDGATE_ one.
    named = [getattr(settings, name) for name in Settings.model_fields if name.endswith("_env")]
    named += [upstream.api_key_env for upstream in settings.upstreams]
    also_known = {name for name in named if isinstance(name, str)} | set(NOT_SETTINGS)
    also_known |= {name for name in os.environ if name.startswith(INTERNAL_VARIABLES_PREFIX)}
    for line in unknown_variables(os.environ, Settings.model_fields, also_known):
        logger.warning(line)
    return settings
