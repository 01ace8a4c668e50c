"""A legacy completion's choice rebuilt from its stream's chunks (gateway.recording.reassembly reads the stream)."""

from __future__ import annotations

from typing import Any

Json = dict[str, Any]


class TextChoice:
    """A legacy completion choice being rebuilt; its text is joined at the end."""

    __slots__ = ("json", "text")

    def __init__(self, index: int) -> None:
        self.json: Json = {"index": index, "text": "", "finish_reason": None}
        self.text: list[str] = []

    def apply(self, piece: Json) -> None:
        if (text := piece.get("text")) and isinstance(text, str):
            self.text.append(text)
        # Each chunk carries its own tokens' log-probabilities (lists: tokens, values, alternatives, offsets).
        if (logprobs := piece.get("logprobs")) and isinstance(logprobs, dict):
            self._extend_logprobs(logprobs)
        if finish_reason := piece.get("finish_reason"):
            self.json["finish_reason"] = finish_reason

    def _extend_logprobs(self, logprobs: Json) -> None:
        """Append a chunk's lists of log-probabilities to the choice's, list by list (a null one kept until a list comes)."""
        kept = self.json.setdefault("logprobs", {})
        for key, values in logprobs.items():
            if isinstance(values, list):
                if isinstance(kept.get(key), list):
                    kept[key].extend(values)
                else:
                    kept[key] = list(values)
            elif key not in kept:
                kept[key] = values

    def apply_text(self, text: str) -> None:
        self.text.append(text)

    def finish(self) -> Json:
        self.json["text"] = "".join(self.text)
        return self.json
