"""Settings of feedback and what is found in it: tokens, origins, limits; clustering passes, embeddings, titles, stats."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field, field_validator

from gateway.config_checks import (
    ANY_CASE,
    MAX_DAYS,
    MAX_HOURS,
    MAX_SECONDS,
    browser_origin,
    http_header_name,
    off_or_at_least,
)


class FeedbackSettings(BaseModel):
    """How feedback is taken in, how the clustering passes find issues in it, and how often stats are rolled up."""

    # Feedback: the key that signs browser feedback tokens (generated and kept in
    # the database when not set), how long a token stays valid, which browser
    # origins may post feedback cross-origin, and the longest text accepted.
    feedback_secret: str | None = None
    feedback_token_ttl: int = Field(default=7 * 24 * 3600, gt=0, le=MAX_SECONDS)
    cors_origins: list[str] = Field(default_factory=list)
    feedback_max_text_chars: int = Field(default=10_000, gt=0)
    # Feedback integrity (gateway.feedback.limits): one token stores at most this many submissions
    # (its latest stays current); posts a minute per feedback token, per browser address and per
    # app key (0: no limit).
    feedback_token_max_submissions: int = Field(default=10, ge=1)
    feedback_token_posts_per_minute: int = Field(default=10, ge=0)
    feedback_address_posts_per_minute: int = Field(default=120, ge=0)
    feedback_app_posts_per_minute: int = Field(default=6_000, ge=0)
    # Where those posts, and wrong admin API tokens (admin_token_failures_per_minute), are counted: in each
    # gateway process's memory, or in the database, shared by every process on it (one small statement per
    # check); `auto`: the database under `serve --workers N` > 1.
    rate_limit_scope: Annotated[Literal["auto", "process", "database"], ANY_CASE] = "auto"
    # Behind a reverse proxy, the header carrying the browser's address; its entries are read from the right,
    # past every trusted proxy's (trusted_proxies): the first that is no trusted proxy's is the browser's.
    feedback_client_address_header: Annotated[str | None, AfterValidator(http_header_name)] = None

    # Issue discovery: `serve` runs a clustering pass every this many seconds (0: never;
    # run `feedgate cluster` or `feedgate worker` instead). A pass's lock expires after
    # `cluster_lock_ttl` seconds on SQLite, in case its holder died.
    cluster_interval: Annotated[float, AfterValidator(off_or_at_least(1, "second"))] = Field(default=0, ge=0)
    # Embeddings for clustering: the bundled all-MiniLM-L6-v2 unless an OpenAI-compatible
    # embeddings endpoint is configured, keyed by the variable `embedding_api_key_env` names (its default only
    # at the default upstream's host: gateway.config refuses an endpoint elsewhere without it; "" for no key).
    embedding_url: str | None = None
    embedding_model: str = "text-embedding-3-small"
    embedding_api_key_env: str | None = "OPENAI_API_KEY"
    # How the bundled model runs: its float ONNX graph in onnxruntime (the same vectors, about twice
    # the texts per second; exported once into `model_cache_dir`) or sentence-transformers (torch).
    local_embedding_runtime: Annotated[Literal["onnxruntime", "sentence-transformers"], ANY_CASE] = "onnxruntime"
    # What is embedded per negative interaction (see clustering.documents.DocumentRecipe
    # for the measurement behind the default); parts always join in this order. (Pydantic
    # copies a list default for each instance.)
    cluster_document_parts: list[Annotated[Literal["comment", "correction", "question", "answer"], ANY_CASE]] = Field(
        default=["comment", "correction", "question"], min_length=1
    )
    # LLM titles: with `title_model` set, each new issue (and one whose keywords changed)
    # gets a title and one-line summary from that chat model, through `title_url`
    # (default: the default upstream), keyed like embeddings by `title_api_key_env`. Unset, titles come from the
    # issue's keywords.
    title_model: str | None = None
    title_url: str | None = None
    title_api_key_env: str | None = "OPENAI_API_KEY"
    # LLM merge judge (gateway/discovery/merge_judging.py): with `merge_judge_model` set, a full pass on
    # an app of 50-2,000 complaints asks that chat model whether a cluster's two halves are one problem
    # (cutting those it says are not: gateway/discovery/split_judging.py), then whether pairs of close
    # issues are, joining those it says are: at most `merge_judge_max_questions` questions a pass,
    # cuts and merges together, cuts first. Through
    # `merge_judge_url` (default: the title model's URL, else the default upstream), keyed by the
    # variable `merge_judge_api_key_env` names (default: the title model's, only at the title model's host:
    # gateway.config refuses a judge elsewhere without it; "" for no key).
    merge_judge_model: str | None = None
    merge_judge_url: str | None = None
    merge_judge_api_key_env: str | None = None
    merge_judge_max_questions: int = Field(default=40, ge=1, le=1_000)
    # How long the judge's answers are kept in the database (gateway.store.merge_judgements): each prune, and
    # the schedule without a retention age, drops those older. An answer is reused only while the issues show
    # the judge the same, which new complaints soon change; kept longer, a question is asked again at most
    # once in this many days. At most a century (MAX_DAYS): an older cutoff is not a date.
    merge_judge_answer_days: float = Field(default=30, gt=0, le=MAX_DAYS)
    cluster_lock_ttl: float = Field(default=7200, gt=0, le=MAX_SECONDS)
    # Incremental passes (gateway/discovery/incremental.py): while the complaints added or withdrawn
    # since the last full pass are at most this share of it, a pass only assigns new ones to existing
    # issues (0: every pass is full). Capped at the kept UMAP fit's refit share (0.2). A full pass runs
    # at least every `cluster_full_every_hours`, and whenever the model or clustering recipe changed.
    cluster_incremental_max_share: float = Field(default=0.05, ge=0, le=0.2)
    cluster_full_every_hours: float = Field(default=24, gt=0, le=MAX_HOURS)
    # Stats read whole days from daily roll-ups; each process rebuilds the stale ones every this
    # many seconds (0: only when a stats read needs them).
    stats_refresh_interval: Annotated[float, AfterValidator(off_or_at_least(1, "second"))] = Field(default=60, ge=0)

    @field_validator("cors_origins")
    @classmethod
    def _origins_as_browsers_send_them(cls, origins: list[str]) -> list[str]:
        # Browsers send Origin as scheme://host[:port]: "https://App.example/" would never match.
        return [browser_origin(origin) for origin in origins]
